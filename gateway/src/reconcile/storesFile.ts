/**
 * `<GATEWAY_DATA_DIR>/stores.json`: which Firestore (an in-process emulator's random port, or the
 * project) and which MySQL and Redis a running gateway uses, so `npx pose-coach reconcile` run
 * beside `npm start` needs no set-up. Mode 600: the MySQL URL may carry a password.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig } from '../config.ts';
import type { Logger } from '../log.ts';

export interface StoresFile {
  firestoreEmulatorHost?: string;
  firebaseProjectId: string;
  mysqlUrl: string;
  redisUrl: string;
  queuePrefix: string;
  pid: number;
  writtenAt: string;
}

export const STORES_FILE = 'stores.json';

export function writeStoresFile(config: GatewayConfig, emulatorHost: string | undefined, log?: Logger): void {
  const file: StoresFile = {
    firestoreEmulatorHost: emulatorHost,
    firebaseProjectId: config.FIREBASE_PROJECT_ID,
    mysqlUrl: config.MYSQL_URL,
    redisUrl: config.REDIS_URL,
    queuePrefix: config.QUEUE_PREFIX,
    pid: process.pid,
    writtenAt: new Date().toISOString(),
  };
  try {
    mkdirSync(config.GATEWAY_DATA_DIR, { recursive: true });
    const path = join(config.GATEWAY_DATA_DIR, STORES_FILE);
    writeFileSync(path, JSON.stringify(file, null, 2), { mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (err) {
    log?.warn({ err: (err as Error).message }, 'stores.json not written; `pose-coach reconcile` will need FIRESTORE_EMULATOR_HOST');
  }
}

export function readStoresFile(dataDir: string): StoresFile | undefined {
  const path = join(dataDir, STORES_FILE);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as StoresFile;
}
