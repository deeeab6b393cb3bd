/** Runs the Firestore emulator in its own process (as a remote Firestore would be) and prints its host. */
import { startFirestoreEmulator } from '@pose-coach/cloud-sync';

const emulator = await startFirestoreEmulator({ port: Number(process.env.PORT ?? 0) });
console.log(JSON.stringify({ host: emulator.host }));
process.on('SIGTERM', () => void emulator.stop().then(() => process.exit(0)));
