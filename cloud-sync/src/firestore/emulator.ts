/**
 * The Firestore emulator (@firestore-emulator/server) run inside this process: no Java, no
 * firebase-tools. Good for tests and for `npm start` on a laptop. Data lives in memory, and with
 * `dataDir` also on disk (emulatorPersistence.ts), so it survives a restart.
 */
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { FirestoreServer } from '@firestore-emulator/server';
import { persistEmulatorState } from './emulatorPersistence.ts';

export interface FirestoreEmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (the package itself would bind 0.0.0.0). */
  host?: string;
  /** Keep the documents in this folder across restarts; default: memory only. */
  dataDir?: string;
  /** Told of damage found while reading the folder back (default: a process warning). */
  warn?: (message: string) => void;
}

export interface RunningFirestoreEmulator {
  /** "host:port", what `openFirestore({ emulatorHost })` and FIRESTORE_EMULATOR_HOST expect. */
  host: string;
  /** Documents read back from `dataDir` at start. */
  restoredDocuments: number;
  stop(): Promise<void>;
}

export async function startFirestoreEmulator(options: FirestoreEmulatorOptions = {}): Promise<RunningFirestoreEmulator> {
  const host = options.host ?? '127.0.0.1';
  const emulator = new FirestoreServer();
  const restored = options.dataDir ? persistEmulatorState(emulator.state, options.dataDir, options.warn).documents : 0;
  // FirestoreServer.start() binds 0.0.0.0 and does not report the port it got, so bind its gRPC
  // server ourselves: same service, chosen interface, and the real port when 0 was asked for.
  const grpcServer = emulator['server'] as Server;
  const port = await new Promise<number>((resolve, reject) => {
    grpcServer.bindAsync(`${host}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(new Error(`Firestore emulator could not listen on ${host}:${options.port ?? 0}: ${err.message}`));
      else resolve(bound);
    });
  });
  let stopped = false;
  return {
    host: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    restoredDocuments: restored,
    async stop() {
      if (stopped) return;
      stopped = true;
      emulator.stop();
    },
  };
}
