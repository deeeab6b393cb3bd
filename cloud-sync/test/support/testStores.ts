/**
 * Test support other workspaces reuse: a throwaway database on the local MariaDB with the
 * migrations applied, and an in-process Firestore emulator: `@pose-coach/cloud-sync/testing`, kept
 * out of the production entry point.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, type Pool } from 'mysql2/promise';
import type { Firestore } from 'firebase-admin/firestore';
import { createMysqlPool } from '../../src/mysql/pool.ts';
import { runMigrations } from '../../src/mysql/migrations.ts';
import { startFirestoreEmulator } from '../../src/firestore/emulator.ts';
import { closeFirestore, openFirestore } from '../../src/firestore/client.ts';

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

export interface TestFirestore {
  firestore: Firestore;
  /** "127.0.0.1:PORT" of the emulator, for code that opens its own handle. */
  emulatorHost: string;
  /** A random project id: data of one test file never meets another's. */
  projectId: string;
  /** Closes the handle and stops the emulator. Safe to call twice. */
  close(): Promise<void>;
}

/** An in-process Firestore emulator on a free port and a handle on a random project. */
export async function createTestFirestore(): Promise<TestFirestore> {
  const emulator = await startFirestoreEmulator({ port: 0 });
  const projectId = `pc-test-${randomBytes(4).toString('hex')}`;
  const firestore = openFirestore({ projectId, emulatorHost: emulator.host });
  return {
    firestore,
    emulatorHost: emulator.host,
    projectId,
    async close() {
      await closeFirestore(firestore);
      await emulator.stop();
    },
  };
}
