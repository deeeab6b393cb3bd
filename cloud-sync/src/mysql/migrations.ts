/**
 * Applies cloud-sync/migrations/NNN_name.sql in order, once each, recording them in
 * schema_migrations. Two processes may start at the same time: a named lock (GET_LOCK, per
 * database) lets one apply while the other waits and then finds nothing left to do.
 *
 * A column that references user_health_profiles(userId) is written `user_id {{user_id_type}}`:
 * a foreign key needs the same type, character set and collation on both sides, and the original
 * backend's own profiles table has whatever its server defaulted to (utf8mb4_general_ci on
 * MariaDB, latin1 on older servers), not our utf8mb4_bin. The placeholder becomes that column's
 * definition when the migration is applied, and `VARCHAR(255)` (our own 001's) for the checksum,
 * so files written before the placeholder existed keep their recorded checksums.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import { userIdColumn } from './profiles.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const FILE_PATTERN = /^\d{3}_[a-z0-9_]+\.sql$/;

/** Stands for the definition of user_health_profiles.userId in a column that references it. */
export const USER_ID_TYPE_PLACEHOLDER = '{{user_id_type}}';
/** userId as our own 001 makes it (in a utf8mb4_bin table), and as checksums render the placeholder. */
const OWN_USER_ID_TYPE = 'VARCHAR(255)';

export interface Migration {
  /** The file name, e.g. 002_workout_sessions.sql; its order is the order of application. */
  version: string;
  statements: string[];
  checksum: string;
}

export interface RunMigrationsOptions {
  dir?: string;
  /** How long to wait for another process that is migrating the same database. Default 60 s. */
  lockTimeoutSeconds?: number;
  log?: Logger;
}

/**
 * Splits a migration file into statements: `--` comment lines are dropped and a statement ends
 * with `;` at the end of a line (the files keep to that; no procedures or delimiters).
 */
export function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;[ \t]*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    if (!FILE_PATTERN.test(name)) throw new Error(`migration file ${name} in ${dir} is not named NNN_lower_case_name.sql`);
    const sql = await readFile(path.join(dir, name), 'utf8');
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new Error(`migration ${name} contains no SQL statement`);
    const checksum = createHash('sha256').update(sql.replaceAll(USER_ID_TYPE_PLACEHOLDER, OWN_USER_ID_TYPE)).digest('hex');
    migrations.push({ version: name, statements, checksum });
  }
  return migrations;
}

/**
 * The definition a column referencing user_health_profiles(userId) must have: that column's type,
 * character set and collation, whoever created the table; ours when there is no table yet (001
 * makes it).
 */
export async function userIdColumnType(db: Pick<Pool, 'query'>): Promise<string> {
  const column = await userIdColumn(db);
  if (!column) return OWN_USER_ID_TYPE;
  return column.charset === null ? column.type : `${column.type} CHARACTER SET ${column.charset} COLLATE ${column.collation}`;
}

/** Applies the pending migrations and returns their versions ([] when already up to date). */
export async function runMigrations(pool: Pool, options: RunMigrationsOptions = {}): Promise<string[]> {
  const migrations = await loadMigrations(options.dir);
  const lockTimeout = options.lockTimeoutSeconds ?? 60;
  // The lock and the DDL must use one connection: GET_LOCK belongs to the session that took it.
  const conn = await pool.getConnection();
  try {
    const [lockRows] = await conn.query<RowDataPacket[]>(
      "SELECT GET_LOCK(LEFT(CONCAT('pose-coach-migrations:', DATABASE()), 64), ?) AS got",
      [lockTimeout],
    );
    if (lockRows[0]?.got !== 1) {
      throw new Error(`runMigrations: another process held the migration lock for more than ${lockTimeout} s`);
    }
    try {
      await conn.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version VARCHAR(255) NOT NULL PRIMARY KEY,
           checksum CHAR(64) NOT NULL,
           applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
         ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      );
      const [appliedRows] = await conn.query<RowDataPacket[]>('SELECT version, checksum FROM schema_migrations');
      const applied = new Map(appliedRows.map((row) => [String(row.version), String(row.checksum)]));
      const done: string[] = [];
      for (const migration of migrations) {
        const checksum = applied.get(migration.version);
        if (checksum !== undefined) {
          // An applied file that changed would leave databases that differ with the same history.
          if (checksum !== migration.checksum) {
            throw new Error(`migration ${migration.version} was changed after it was applied: add a new migration instead`);
          }
          continue;
        }
        options.log?.info({ migration: migration.version }, 'applying migration');
        // MySQL commits DDL statement by statement; a file that fails halfway is reported with
        // the statement so it can be finished by hand, and is not recorded as applied.
        for (const [index, template] of migration.statements.entries()) {
          try {
            const statement = template.includes(USER_ID_TYPE_PLACEHOLDER)
              ? template.replaceAll(USER_ID_TYPE_PLACEHOLDER, await userIdColumnType(conn))
              : template;
            await conn.query(statement);
          } catch (error) {
            throw new Error(
              `migration ${migration.version}, statement ${index + 1}, failed: ${(error as Error).message}`,
              { cause: error },
            );
          }
        }
        await conn.execute('INSERT INTO schema_migrations (version, checksum) VALUES (?, ?)', [migration.version, migration.checksum]);
        done.push(migration.version);
      }
      return done;
    } finally {
      // Ignored failure: a broken connection has already dropped its lock, and the error that
      // brought us here matters more.
      await conn.query("SELECT RELEASE_LOCK(LEFT(CONCAT('pose-coach-migrations:', DATABASE()), 64))").catch(() => {});
    }
  } finally {
    conn.release();
  }
}
