/**
 * The two stores and what reads them, opened the same way by the gateway and by a separate
 * worker process: MySQL (migrated), Firestore (real, an emulator named by env, or in-process).
 */
import { join } from 'node:path';
import {
  closeFirestore,
  createFeedbackService,
  createFirestoreSessionRepository,
  createMysqlPool,
  createMysqlSessionRepository,
  openFirestore,
  runMigrations,
  startFirestoreEmulator,
  type SessionRepository,
} from '@pose-coach/cloud-sync';
import type { GatewayConfig } from './config.ts';
import type { Logger } from './log.ts';
import type { Scope } from './scope.ts';
import type { StoreName } from './queue/storeQueues.ts';

export async function openStores(config: GatewayConfig, log: Logger, scope: Scope, opts: { inProcessEmulator: boolean }) {
  const pool = createMysqlPool(config.MYSQL_URL);
  scope.add(() => pool.end());
  await runMigrations(pool);

  let emulatorHost = config.FIRESTORE_EMULATOR_HOST;
  if (!emulatorHost && !config.GOOGLE_APPLICATION_CREDENTIALS) {
    if (!opts.inProcessEmulator) {
      throw new Error('set FIRESTORE_EMULATOR_HOST or GOOGLE_APPLICATION_CREDENTIALS: a separate worker process must write to the same Firestore as the gateway');
    }
    // Its documents are kept under the data dir, so a restart finds what was saved (like the Firebase emulator's import/export).
    const dataDir = join(config.GATEWAY_DATA_DIR, 'firestore');
    const emulator = await startFirestoreEmulator({ port: 0, dataDir, warn: (msg) => log.warn(msg) });
    scope.add(() => emulator.stop());
    emulatorHost = emulator.host;
    log.info({ emulatorHost, dataDir, restoredDocuments: emulator.restoredDocuments }, 'Firestore emulator started in-process (no FIRESTORE_EMULATOR_HOST or Google credentials)');
  }
  const firestore = openFirestore({ projectId: config.FIREBASE_PROJECT_ID, emulatorHost });
  scope.add(() => closeFirestore(firestore));

  const repositories: Record<StoreName, SessionRepository> = {
    firestore: createFirestoreSessionRepository(firestore),
    mysql: createMysqlSessionRepository(pool),
  };
  const feedback = createFeedbackService({
    pool,
    log,
    llm: config.LLM_URL
      ? { url: config.LLM_URL, apiKey: config.LLM_API_KEY, model: config.LLM_MODEL, timeoutMs: config.LLM_TIMEOUT_MS }
      : undefined,
  });
  return { pool, firestore, emulatorHost, repositories, feedback };
}

export type Stores = Awaited<ReturnType<typeof openStores>>;
