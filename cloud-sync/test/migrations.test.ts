import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import {
  createMysqlPool,
  createTestDatabase,
  ensureProfile,
  getProfile,
  loadMigrations,
  MIGRATIONS_DIR,
  runMigrations,
  splitStatements,
  type TestDatabase,
} from '../src/index.ts';

const databases: TestDatabase[] = [];
async function freshDatabase(migrate: boolean): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate });
  databases.push(db);
  return db;
}
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

async function tables(db: TestDatabase): Promise<string[]> {
  const [rows] = await db.pool.query<RowDataPacket[]>('SHOW TABLES');
  return rows.map((row) => String(Object.values(row)[0])).sort();
}

describe('runMigrations', () => {
  it('creates every table and records each numbered file once', async () => {
    const db = await freshDatabase(false);
    const files = (await loadMigrations()).map((m) => m.version);
    expect(files[0]).toBe('001_user_health_profiles.sql');
    expect(await runMigrations(db.pool)).toEqual(files);
    expect(await tables(db)).toEqual(['device_bindings', 'device_pairings', 'devices', 'fleet_claims', 'fleet_commands', 'fleet_config', 'fleet_devices', 'fleet_rollout_devices', 'fleet_rollouts', 'schema_migrations', 'user_health_profiles', 'workout_sessions']);
    const [applied] = await db.pool.query<RowDataPacket[]>('SELECT version FROM schema_migrations ORDER BY version');
    expect(applied.map((row) => row.version)).toEqual(files);
  });

  it('does nothing the second time', async () => {
    const db = await freshDatabase(true);
    expect(await runMigrations(db.pool)).toEqual([]);
    const [applied] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM schema_migrations');
    expect(applied[0]?.n).toBe((await loadMigrations()).length);
  });

  it('is safe when two processes (two pools) start it at the same time: one applies, the other waits', async () => {
    const db = await freshDatabase(false);
    const other = createMysqlPool(db.url);
    try {
      const [a, b] = await Promise.all([runMigrations(db.pool), runMigrations(other)]);
      const files = (await loadMigrations()).map((m) => m.version);
      expect([a, b].sort((x, y) => y.length - x.length)).toEqual([files, []]);
      expect(await tables(db)).toContain('workout_sessions');
    } finally {
      await other.end();
    }
  });

  it('is safe when two separate node processes migrate the same database at once', async () => {
    const db = await freshDatabase(false);
    // Each child prints how many migrations it applied; together they must have applied each once.
    const script = `import { createMysqlPool, runMigrations } from '@pose-coach/cloud-sync';
      const pool = createMysqlPool(process.argv[1]);
      try { console.log((await runMigrations(pool)).length); } finally { await pool.end(); }`;
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, db.url], { cwd: path.resolve(import.meta.dirname, '..') });
    const outputs = await Promise.all([run(), run()]);
    const counts = outputs.map((o) => Number(o.stdout.trim())).sort();
    expect(counts).toEqual([0, (await loadMigrations()).length]);
    const [applied] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM schema_migrations');
    expect(applied[0]?.n).toBe((await loadMigrations()).length);
  });

  it('refuses to run when an applied migration file was changed afterwards', async () => {
    const db = await freshDatabase(true);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pc-migrations-'));
    try {
      for (const m of await loadMigrations()) {
        const sql = await readFile(path.join(MIGRATIONS_DIR, m.version), 'utf8');
        await writeFile(path.join(dir, m.version), m.version.startsWith('001') ? `${sql}\n-- edited\n` : sql);
      }
      await expect(runMigrations(db.pool, { dir })).rejects.toThrow(/001_user_health_profiles\.sql was changed after it was applied/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('names the file and statement that failed', async () => {
    const db = await freshDatabase(true);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pc-migrations-'));
    try {
      await writeFile(path.join(dir, '001_broken.sql'), '-- header\nCREATE TABLE ok_one (id INT);\nCREATE TABLE nonsense (;\n');
      await expect(runMigrations(db.pool, { dir })).rejects.toThrow(/migration 001_broken\.sql, statement 2, failed/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('splits files on semicolons at line ends and drops comment lines', () => {
    expect(splitStatements('-- a\nCREATE TABLE a (x INT);\n\n-- b\nALTER TABLE a\n  ADD y INT;  \n')).toEqual([
      'CREATE TABLE a (x INT)',
      'ALTER TABLE a\n  ADD y INT',
    ]);
  });
});

describe('schema rules', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(true);
  });

  it('refuses a session row for a uid without a profile (foreign key)', async () => {
    await expect(
      db.pool.execute(
        "INSERT INTO workout_sessions (user_id, exercise, reps, accuracy, `timestamp`, duration) VALUES ('nobody', 'squat', 1, 0.5, '2026-01-01T00:00:00.000Z', 10)",
      ),
    ).rejects.toMatchObject({ code: 'ER_NO_REFERENCED_ROW_2' });
  });

  it('deletes a person’s sessions and mirror bindings when their profile is deleted (ON DELETE CASCADE)', async () => {
    await ensureProfile(db.pool, 'alice');
    await ensureProfile(db.pool, 'bob');
    for (const uid of ['alice', 'alice', 'bob']) {
      await db.pool.execute(
        "INSERT INTO workout_sessions (user_id, exercise, reps, accuracy, `timestamp`, duration) VALUES (?, 'squat', 1, 0.5, '2026-01-01T00:00:00.000Z', 10)",
        [uid],
      );
    }
    await db.pool.execute("INSERT INTO devices (device_id, secret_hash) VALUES ('mirror-1', 'x')");
    await db.pool.execute("INSERT INTO device_bindings (device_id, user_id, pairing_id) VALUES ('mirror-1', 'alice', 'p1')");

    await db.pool.execute("DELETE FROM user_health_profiles WHERE userId = 'alice'");
    const [left] = await db.pool.query<RowDataPacket[]>('SELECT user_id, COUNT(*) AS n FROM workout_sessions GROUP BY user_id');
    expect(left).toEqual([{ user_id: 'bob', n: 1 }]);
    const [bindings] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM device_bindings');
    expect(bindings[0]?.n).toBe(0);
  });

  it('removes a mirror’s binding with the device, and refuses a binding for an unknown device', async () => {
    await ensureProfile(db.pool, 'carol');
    await db.pool.execute("INSERT INTO devices (device_id, secret_hash) VALUES ('mirror-2', 'x')");
    await db.pool.execute("INSERT INTO device_bindings (device_id, user_id, pairing_id) VALUES ('mirror-2', 'carol', 'p2')");
    await db.pool.execute("DELETE FROM devices WHERE device_id = 'mirror-2'");
    const [bindings] = await db.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM device_bindings WHERE user_id = 'carol'");
    expect(bindings[0]?.n).toBe(0);
    await expect(
      db.pool.execute("INSERT INTO device_bindings (device_id, user_id, pairing_id) VALUES ('ghost', 'carol', 'p3')"),
    ).rejects.toMatchObject({ code: 'ER_NO_REFERENCED_ROW_2' });
  });

  it('treats uids as case-sensitive (Firebase uids are)', async () => {
    await ensureProfile(db.pool, 'CaseUid', { displayName: 'upper' });
    await ensureProfile(db.pool, 'caseuid', { displayName: 'lower' });
    expect((await getProfile(db.pool, 'CaseUid'))?.displayName).toBe('upper');
    expect((await getProfile(db.pool, 'caseuid'))?.displayName).toBe('lower');
  });
});

describe('ensureProfile', () => {
  it('creates the profile, then updates only the fields it is given', async () => {
    const db = await freshDatabase(true);
    await ensureProfile(db.pool, 'dave');
    expect(await getProfile(db.pool, 'dave')).toMatchObject({ userId: 'dave', displayName: null, timeZone: null });
    await ensureProfile(db.pool, 'dave', { displayName: 'Dave', timeZone: 'Europe/Berlin' });
    await ensureProfile(db.pool, 'dave', { timeZone: 'America/New_York' });
    await ensureProfile(db.pool, 'dave');
    const profile = await getProfile(db.pool, 'dave');
    expect(profile).toMatchObject({ displayName: 'Dave', timeZone: 'America/New_York' });
    expect(Date.parse(profile!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(await getProfile(db.pool, 'nobody')).toBeUndefined();
  });

  it('refuses an unknown time zone and an empty uid with clear messages', async () => {
    const db = await freshDatabase(true);
    await expect(ensureProfile(db.pool, 'erin', { timeZone: 'Europe/Atlantis' })).rejects.toThrow(/unknown time zone "Europe\/Atlantis"/);
    await expect(ensureProfile(db.pool, '')).rejects.toThrow(/user id must be a non-empty string/);
  });
});
