/**
 * Test support other workspaces reuse: a throwaway database on the local MariaDB with the
 * migrations applied, and an in-process Firestore emulator (re-exported from index).
 */
import { randomBytes } from 'node:crypto';
import { createConnection, type Pool } from 'mysql2/promise';
import { createMysqlPool } from './mysql/pool.ts';
import { runMigrations } from './mysql/migrations.ts';

export interface TestDatabase {
  /** mysql://.../pc_test_xxxxxxxx, for code that opens its own pool. */
  url: string;
  /** A pool on it, migrated; closed by drop(). */
  pool: Pool;
  /** Closes the pool and drops the database. Safe to call twice. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Server to create it on; default the local MariaDB, mysql://root@127.0.0.1:3306. */
  serverUrl?: string;
  /** Apply cloud-sync's migrations (default true). */
  migrate?: boolean;
}

export const DEFAULT_TEST_SERVER_URL = 'mysql://root@127.0.0.1:3306';

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const server = new URL(options.serverUrl ?? DEFAULT_TEST_SERVER_URL);
  server.pathname = ''; // the server itself, no database
  const name = `pc_test_${randomBytes(6).toString('hex')}`;
  const admin = await createConnection({ uri: server.href });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  const pool = createMysqlPool(url.href);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await pool.end().catch(() => {});
    const conn = await createConnection({ uri: server.href });
    try {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await conn.end();
    }
  };
  if (options.migrate ?? true) {
    try {
      await runMigrations(pool);
    } catch (error) {
      await drop();
      throw error;
    }
  }
  return { url: url.href, pool, drop };
}
