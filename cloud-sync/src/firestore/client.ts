/** Opening and closing firebase-admin Firestore handles, one named app per call. */
import { randomUUID } from 'node:crypto';
import { initializeApp, deleteApp, applicationDefault, type App, type Credential } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';

export interface OpenFirestoreOptions {
  projectId: string;
  /** "host:port" of an emulator; without it the real Firestore of `projectId` is used. */
  emulatorHost?: string;
  /** Credential for the real Firestore; default: Google application default credentials. */
  credential?: Credential;
}

// Which app each handle came from, so closeFirestore can delete it (the handle does not expose it).
const appsByFirestore = new WeakMap<Firestore, App>();

/**
 * A Firestore handle on its own named firebase-admin app, so one process (or one test file) can
 * hold several, each with its own project or emulator. Does not connect until first used.
 */
export function openFirestore(options: OpenFirestoreOptions): Firestore {
  if (!options.projectId) throw new Error('openFirestore: projectId is required');
  // Against the emulator no Google credential is used; without this, google-auth probes for the
  // Google Cloud metadata server and warns (a 403 off Google Cloud). gcp-metadata reads this env.
  if (options.emulatorHost) process.env.METADATA_SERVER_DETECTION ??= 'none';
  const app = initializeApp(
    { projectId: options.projectId, credential: options.credential ?? applicationDefault() },
    `pose-coach-${options.projectId}-${randomUUID()}`,
  );
  const firestore = getFirestore(app);
  if (options.emulatorHost) {
    // ssl:false makes @google-cloud/firestore use insecure gRPC and the emulator's "Bearer owner"
    // header instead of fetching Google credentials. (FIRESTORE_EMULATOR_HOST, when set, wins.)
    firestore.settings({ host: options.emulatorHost, ssl: false });
  }
  markPoolRejectionsHandled(firestore);
  appsByFirestore.set(firestore, app);
  return firestore;
}

/**
 * @google-cloud/firestore retries a request by calling its client pool without holding the
 * promise it gets back; once terminate() has run, the pool rejects that promise, and the process
 * sees an unhandled rejection ("The client has already been terminated"). Seen when a gateway
 * closed after a Firestore outage while a read its timeout had given up on was still being
 * retried. The pool's promises are marked handled here; a caller that holds one still gets its
 * error.
 */
function markPoolRejectionsHandled(firestore: Firestore): void {
  const pool = (firestore as unknown as { _clientPool?: { run?: (...args: unknown[]) => Promise<unknown> } })._clientPool;
  if (typeof pool?.run !== 'function') return;
  const run = pool.run.bind(pool);
  pool.run = (...args: unknown[]) => {
    const answer = run(...args);
    answer.catch(() => undefined);
    return answer;
  };
}

/** Closes the handle's connections and deletes its app. Safe to call twice. */
export async function closeFirestore(firestore: Firestore): Promise<void> {
  const app = appsByFirestore.get(firestore);
  if (!app) return;
  appsByFirestore.delete(firestore);
  await firestore.terminate();
  await deleteApp(app);
}
