import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import {
  createMysqlPool,
  createMysqlSessionRepository,
  ensureProfile,
  findTombstones,
  getProfile,
  knownUids,
  loadMigrations,
  recordTombstone,
  sessionIdRecord,
  MIGRATIONS_DIR,
  runMigrations,
  splitStatements,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from './support/testStores.ts';

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
    expect(await tables(db)).toEqual(['device_bindings', 'device_pairings', 'devices', 'fleet_claims', 'fleet_commands', 'fleet_config', 'fleet_devices', 'fleet_rollout_devices', 'fleet_rollouts', 'schema_migrations', 'session_tombstones', 'user_health_profiles', 'user_settings', 'workout_sessions']);
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

  it('keeps the checksums databases recorded before the userId placeholder existed', async () => {
    // sha256 of these files as they were applied before `{{user_id_type}}` replaced VARCHAR(255).
    const recorded: Record<string, string> = {
      '002_workout_sessions.sql': '548baeb769f5300f2a0adfc299ed0b9e6df979133407a8dd4fbafc80917ef5b8',
      '004_devices.sql': '12f03681d6075223a77090f310e32334fcfa164888eaaa3766402471cf52f596',
      '005_device_pairings.sql': '6ec3075220e98e0ae2fe1672d756cd5bbbf4a13b10cda76fada645cab483d219',
      '008_user_settings.sql': '34a8b6f2648c63113f58ee21e9a19c6ebec4a61531c14a1774814dfd86ce17b4',
    };
    const migrations = await loadMigrations();
    for (const [version, checksum] of Object.entries(recorded)) {
      const m = migrations.find((x) => x.version === version)!;
      expect(m.statements.join('\n'), version).toContain('{{user_id_type}}');
      expect(m.checksum, version).toBe(checksum);
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

describe('deployed on the original backend\'s database', () => {
  it('migrates beside a user_health_profiles of its own shape, keeps its columns and rows, and stores sessions and time zones', async () => {
    const db = await freshDatabase(false);
    // The seed backend's tables, made before the gateway ever ran: profiles with columns of its
    // own (none of ours but userId, NOT NULL columns without defaults) and the original sessions table.
    await db.pool.query(`CREATE TABLE user_health_profiles (
        id INT AUTO_INCREMENT PRIMARY KEY,
        userId VARCHAR(255) NOT NULL UNIQUE,
        age INT NOT NULL,
        fitnessLevel VARCHAR(50) NOT NULL,
        goals TEXT NULL,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    await db.pool.query(`CREATE TABLE workout_sessions (
        id INT AUTO_INCREMENT PRIMARY KEY, user_id VARCHAR(255) NOT NULL, exercise VARCHAR(100) NOT NULL, reps INT NOT NULL,
        accuracy FLOAT NOT NULL, timestamp VARCHAR(50) NOT NULL, duration INT NOT NULL, feedback_points TEXT NULL,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        FOREIGN KEY (user_id) REFERENCES user_health_profiles(userId) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    await db.pool.query("INSERT INTO user_health_profiles (userId, age, fitnessLevel, goals) VALUES ('seed-user', 34, 'intermediate', 'run a 10k')");
    await db.pool.query("INSERT INTO workout_sessions (user_id, exercise, reps, accuracy, timestamp, duration, feedback_points) VALUES ('seed-user', 'squat', 10, 0.8, '2026-11-01T08:00:00.000Z', 60, '[\"Good\"]')");

    expect(await runMigrations(db.pool)).toEqual((await loadMigrations()).map((m) => m.version));

    // Its own columns and rows are untouched; ours live in user_settings.
    const [cols] = await db.pool.query<RowDataPacket[]>("SELECT column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'user_health_profiles' ORDER BY ordinal_position");
    expect(cols.map((r) => r.c)).toEqual(['id', 'userId', 'age', 'fitnessLevel', 'goals', 'created_at']);
    const [seed] = await db.pool.query<RowDataPacket[]>("SELECT age, fitnessLevel, goals FROM user_health_profiles WHERE userId = 'seed-user'");
    expect(seed[0]).toEqual({ age: 34, fitnessLevel: 'intermediate', goals: 'run a 10k' });

    // What the gateway does: time zones, a new person's first session, an existing person's session.
    await ensureProfile(db.pool, 'seed-user', { timeZone: 'Europe/Berlin', displayName: 'Seed' });
    expect(await getProfile(db.pool, 'seed-user')).toMatchObject({ timeZone: 'Europe/Berlin', displayName: 'Seed' });
    const repo = createMysqlSessionRepository(db.pool);
    const newcomer = { sessionId: '0b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b', userId: 'new-user', exercise: 'pushup', reps: 5, accuracy: 0.9, timestamp: '2026-11-29T08:15:00.000Z', duration: 30, feedbackPoints: [], timeZone: 'Asia/Tokyo' };
    expect(await repo.save(newcomer)).toBe('created');
    expect(await getProfile(db.pool, 'new-user')).toMatchObject({ timeZone: 'Asia/Tokyo' });
    expect(await repo.save({ ...newcomer, sessionId: '1b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b', userId: 'seed-user' })).toBe('created');
    const listed = await repo.list('seed-user');
    expect(listed.map((s) => s.sessionId)).toEqual(['1b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b', 'mysql-1']);
    expect(await runMigrations(db.pool)).toEqual([]);
  });

  it('moves the display names and time zones of our own earlier profiles table into user_settings', async () => {
    const db = await freshDatabase(false);
    const migrations = await loadMigrations();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pc-migrations-'));
    try {
      // A database migrated before 008 existed, with settings in user_health_profiles.
      for (const m of migrations.filter((x) => x.version < '008')) await writeFile(path.join(dir, m.version), await readFile(path.join(MIGRATIONS_DIR, m.version), 'utf8'));
      await runMigrations(db.pool, { dir });
      await db.pool.query("INSERT INTO user_health_profiles (userId, displayName, timeZone) VALUES ('old', 'Old Timer', 'Europe/Paris')");
      await runMigrations(db.pool);
      expect(await getProfile(db.pool, 'old')).toMatchObject({ displayName: 'Old Timer', timeZone: 'Europe/Paris' });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  // The seed's DDL names no character set, so its profiles table takes the server's default:
  // utf8mb4_general_ci on MariaDB 10.x, latin1_swedish_ci on older servers, utf8 on some hosts.
  // A foreign key needs the same character set and collation on both sides (errno 150 otherwise).
  const shapes = [
    { name: 'utf8mb4_general_ci (MariaDB\'s default), with the seed\'s own sessions table', charset: 'utf8mb4', collation: 'utf8mb4_general_ci', type: 'VARCHAR(255)', seedSessions: true, key: 'PRIMARY KEY' },
    { name: 'latin1_swedish_ci (an older server\'s default), with the seed\'s own sessions table', charset: 'latin1', collation: 'latin1_swedish_ci', type: 'VARCHAR(128)', seedSessions: true, key: 'PRIMARY KEY' },
    { name: 'utf8mb3_unicode_ci, UNIQUE beside a numeric id, without a sessions table', charset: 'utf8mb3', collation: 'utf8mb3_unicode_ci', type: 'VARCHAR(128)', seedSessions: false, key: 'UNIQUE' },
  ];
  for (const shape of shapes) {
    it(`migrates and stores beside a profiles table in ${shape.name}`, async () => {
      const db = await freshDatabase(false);
      await db.pool.query(`CREATE TABLE user_health_profiles (
          id INT AUTO_INCREMENT ${shape.key === 'PRIMARY KEY' ? 'UNIQUE' : 'PRIMARY KEY'},
          userId ${shape.type} NOT NULL ${shape.key},
          age INT NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=${shape.charset} COLLATE=${shape.collation}`);
      if (shape.seedSessions) {
        await db.pool.query(`CREATE TABLE workout_sessions (
            id INT AUTO_INCREMENT PRIMARY KEY, user_id ${shape.type} NOT NULL, exercise VARCHAR(100) NOT NULL, reps INT NOT NULL,
            accuracy FLOAT NOT NULL, timestamp VARCHAR(50) NOT NULL, duration INT NOT NULL, feedback_points TEXT NULL,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            FOREIGN KEY (user_id) REFERENCES user_health_profiles(userId) ON DELETE CASCADE
          ) ENGINE=InnoDB DEFAULT CHARSET=${shape.charset} COLLATE=${shape.collation}`);
      }
      await db.pool.query("INSERT INTO user_health_profiles (userId, age) VALUES ('seed-user', 34)");

      expect(await runMigrations(db.pool)).toEqual((await loadMigrations()).map((m) => m.version));

      // The seed's table is as it was.
      const [col] = await db.pool.query<RowDataPacket[]>("SELECT character_set_name AS cs, collation_name AS co FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'user_health_profiles' AND column_name = 'userId'");
      expect(col[0]).toEqual({ cs: shape.charset, co: shape.collation });
      // What the gateway does with a person: settings, sessions (read back, paged, counted, deleted), a mirror's binding.
      await ensureProfile(db.pool, 'seed-user', { timeZone: 'Europe/Berlin', displayName: 'Seed' });
      expect(await getProfile(db.pool, 'seed-user')).toMatchObject({ timeZone: 'Europe/Berlin', displayName: 'Seed' });
      const repo = createMysqlSessionRepository(db.pool);
      const session = { sessionId: '2b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b', userId: 'new-user', exercise: 'squat', reps: 5, accuracy: 0.9, timestamp: '2026-11-29T08:15:00.000Z', duration: 30, feedbackPoints: ['Größer'], timeZone: 'Asia/Tokyo', deviceId: 'mirror-1' };
      expect(await repo.save(session)).toBe('created');
      expect(await repo.save(session)).toBe('exists');
      expect(await getProfile(db.pool, 'new-user')).toMatchObject({ timeZone: 'Asia/Tokyo' });
      expect((await repo.page('new-user', { limit: 10 })).sessions.map((s) => s.feedbackPoints)).toEqual([['Größer']]);
      expect((await repo.stats('new-user')).totalSessions).toBe(1);
      expect(await sessionIdRecord(db.pool, session.sessionId)).toEqual({ row: { uid: 'new-user', deviceId: 'mirror-1' } });
      expect(await knownUids(db.pool)).toEqual(['new-user', 'seed-user']);
      await db.pool.execute("INSERT INTO devices (device_id, secret_hash) VALUES ('mirror-1', 'x')");
      await db.pool.execute("INSERT INTO device_pairings (pairing_id, device_id, user_id) VALUES ('p1', 'mirror-1', 'new-user')");
      await db.pool.execute("INSERT INTO device_bindings (device_id, user_id, pairing_id) VALUES ('mirror-1', 'new-user', 'p1')");
      expect(await repo.delete('new-user', session.sessionId)).toBe(true);
      await recordTombstone(db.pool, session.sessionId, 'new-user');
      expect((await findTombstones(db.pool, [session.sessionId])).get(session.sessionId)?.uid).toBe('new-user');
      expect(await sessionIdRecord(db.pool, session.sessionId)).toMatchObject({ tombstone: { uid: 'new-user' } });
      // Deleting the person still removes their settings, bindings and pairings (ON DELETE CASCADE).
      await db.pool.execute("DELETE FROM user_health_profiles WHERE userId = 'new-user'");
      for (const table of ['user_settings', 'device_bindings', 'device_pairings']) {
        const [n] = await db.pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = 'new-user'`);
        expect(n[0]!.n, table).toBe(0);
      }
      expect(await runMigrations(db.pool)).toEqual([]);
    });
  }

  it('keeps two people apart whose uids differ only in case, even in a case-insensitive profiles table', async () => {
    const db = await freshDatabase(false);
    await db.pool.query('CREATE TABLE user_health_profiles (userId VARCHAR(255) NOT NULL PRIMARY KEY) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci');
    await db.pool.query(`CREATE TABLE workout_sessions (
        id INT AUTO_INCREMENT PRIMARY KEY, user_id VARCHAR(255) NOT NULL, exercise VARCHAR(100) NOT NULL, reps INT NOT NULL,
        accuracy FLOAT NOT NULL, timestamp VARCHAR(50) NOT NULL, duration INT NOT NULL, feedback_points TEXT NULL,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (user_id) REFERENCES user_health_profiles(userId) ON DELETE CASCADE
      ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
    await runMigrations(db.pool);
    const repo = createMysqlSessionRepository(db.pool);
    const base = { exercise: 'squat', reps: 5, accuracy: 0.9, timestamp: '2026-11-29T08:15:00.000Z', duration: 30, feedbackPoints: [] };
    await repo.save({ ...base, sessionId: '3b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b', userId: 'CaseUid' });
    await repo.save({ ...base, sessionId: '4b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b', userId: 'caseuid' });
    expect((await repo.page('CaseUid', { limit: 10 })).sessions.map((s) => s.sessionId)).toEqual(['3b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b']);
    expect((await repo.list('caseuid')).map((s) => s.sessionId)).toEqual(['4b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b']);
    expect((await repo.stats('caseuid')).totalSessions).toBe(1);
    expect(await repo.get('caseuid', '3b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b')).toBeUndefined();
    expect(await repo.delete('caseuid', '3b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b')).toBe(false);
    // Session ids are compared exactly too (Firestore keeps both documents).
    expect(await repo.save({ ...base, sessionId: '5B6F8A2E-3C1D-4E5F-9A7B-1C2D3E4F5A6B', userId: 'CaseUid' })).toBe('created');
    expect(await repo.save({ ...base, sessionId: '5b6f8a2e-3c1d-4e5f-9a7b-1c2d3e4f5a6b', userId: 'CaseUid' })).toBe('created');
  });
});

