/**
 * The Firestore emulator (@firestore-emulator/server) run inside this process: no Java, no
 * firebase-tools. Good for tests and for `npm start` on a laptop; data lives in memory only.
 */
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { FirestoreServer } from '@firestore-emulator/server';

export interface FirestoreEmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (the package itself would bind 0.0.0.0). */
  host?: string;
}

export interface RunningFirestoreEmulator {
  /** "host:port", what `openFirestore({ emulatorHost })` and FIRESTORE_EMULATOR_HOST expect. */
  host: string;
  stop(): Promise<void>;
}

export async function startFirestoreEmulator(options: FirestoreEmulatorOptions = {}): Promise<RunningFirestoreEmulator> {
  const host = options.host ?? '127.0.0.1';
  const emulator = new FirestoreServer();
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
    async stop() {
      if (stopped) return;
      stopped = true;
      emulator.stop();
    },
  };
}
