/**
 * The stores `npx pose-coach reconcile` compares: those of the running gateway (its stores.json),
 * unless FIRESTORE_EMULATOR_HOST / GOOGLE_APPLICATION_CREDENTIALS and MYSQL_URL say otherwise.
 * No migrations are run and no emulator is started: this only reads (and with --repair writes)
 * what is there.
 */
import {
  closeFirestore,
  createFirestoreSessionRepository,
  createMysqlPool,
  createMysqlSessionRepository,
  listFirestoreUids,
  openFirestore,
  reconcileStores,
  type ReconcileOptions,
  type ReconcileReport,
} from '@pose-coach/cloud-sync';
import { join } from 'node:path';
import { loadGatewayConfig } from '../config.ts';
import { readStoresFile, STORES_FILE } from './storesFile.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs reconcile against the configured stores and closes them. */
export async function runReconcile(options: ReconcileOptions, env: Record<string, string | undefined> = process.env): Promise<ReconcileReport> {
  const config = loadGatewayConfig(env);
  let emulatorHost = config.FIRESTORE_EMULATOR_HOST;
  let projectId = config.FIREBASE_PROJECT_ID;
  let mysqlUrl = config.MYSQL_URL;
  if (!emulatorHost && !config.GOOGLE_APPLICATION_CREDENTIALS) {
    const file = readStoresFile(config.GATEWAY_DATA_DIR);
    const where = join(config.GATEWAY_DATA_DIR, STORES_FILE);
    if (!file) throw new Error(`no running gateway found (${where} is missing): start it with \`npm start\`, or set FIRESTORE_EMULATOR_HOST and MYSQL_URL`);
    if (!file.firestoreEmulatorHost) throw new Error(`${where} names no Firestore emulator: set GOOGLE_APPLICATION_CREDENTIALS for the real Firestore`);
    if (!alive(file.pid)) throw new Error(`the gateway that wrote ${where} (pid ${file.pid}) is not running, and its in-process Firestore emulator went with it: start it again`);
    emulatorHost = file.firestoreEmulatorHost;
    projectId = env.FIREBASE_PROJECT_ID ?? file.firebaseProjectId;
    mysqlUrl = env.MYSQL_URL ?? file.mysqlUrl;
  }
  const firestore = openFirestore({ projectId, emulatorHost });
  const pool = createMysqlPool(mysqlUrl, { connectionLimit: 4 });
  try {
    await within(pool.query('SELECT 1'), 5000, `MySQL at ${mysqlUrl.replace(/:[^:@/]*@/, ':***@')} does not answer`);
    await within(firestore.doc('_health/probe').get(), 5000, `Firestore${emulatorHost ? ` (emulator ${emulatorHost})` : ''} does not answer`);
    return await reconcileStores(
      {
        firestore: createFirestoreSessionRepository(firestore),
        mysql: createMysqlSessionRepository(pool),
        db: pool,
        firestoreUids: emulatorHost ? undefined : () => listFirestoreUids(firestore),
      },
      options,
    );
  } finally {
    await pool.end().catch(() => {});
    await closeFirestore(firestore).catch(() => {});
  }
}
