/**
 * `npm start`: the appliance on one machine with embedded defaults — the gateway (MQTT broker,
 * store workers, HTTP API, an in-process Firestore emulator) and a simulated mirror that
 * publishes a workout every few seconds. Needs the local MariaDB and Redis (MYSQL_URL, REDIS_URL).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, createGateway, loadGatewayConfig } from '@pose-coach/gateway';
import { startSimulatedMirror } from '../gateway/src/dev/simulatedMirror.ts';

const DEMO_UID = process.env.DEMO_UID ?? 'demo-user';
const SIM_INTERVAL_MS = Number(process.env.SIM_INTERVAL_MS ?? 5000);

async function main() {
  const config = loadGatewayConfig();
  const gateway = await createGateway(config);
  const log = gateway.log;

  // The demo mirror's credentials are kept (mode 600) so restarts reuse the same device.
  const credsPath = join(config.GATEWAY_DATA_DIR, 'demo-mirror.json');
  let creds = existsSync(credsPath) ? (JSON.parse(readFileSync(credsPath, 'utf8')) as { deviceId: string; secret: string }) : undefined;
  if (!creds || !(await gateway.registry.verify(creds.deviceId, creds.secret))) {
    creds = await gateway.registry.create({ name: 'Demo mirror', room: 'Living room' });
    mkdirSync(dirname(credsPath), { recursive: true });
    writeFileSync(credsPath, JSON.stringify(creds), { mode: 0o600 });
    chmodSync(credsPath, 0o600);
  }
  await gateway.registry.bind(creds.deviceId, DEMO_UID, { displayName: 'Demo Athlete' });
  const mirror = await startSimulatedMirror({
    url: `mqtts://127.0.0.1:${gateway.mqttsPort}`,
    ca: gateway.caCert,
    deviceId: creds.deviceId,
    secret: creds.secret,
    intervalMs: SIM_INTERVAL_MS,
    log,
  });

  const http = `http://127.0.0.1:${gateway.httpPort}`;
  console.log(`
Pose Coach is running.
  MQTT broker      mqtt://127.0.0.1:${gateway.mqttPort}  mqtts://127.0.0.1:${gateway.mqttsPort} (CA: ${gateway.caCertPath})
  HTTP API         ${http}/openapi.json
  Metrics          ${http}/metrics
  Firestore        ${gateway.emulatorHost ? `emulator at ${gateway.emulatorHost}` : 'Google Cloud'}: users/${DEMO_UID}/workoutSessions
  MySQL            ${config.MYSQL_URL.replace(/:[^:@/]*@/, ':***@')} table workout_sessions (user_id = '${DEMO_UID}')
  Simulated mirror ${creds.deviceId} publishes a workout every ${SIM_INTERVAL_MS / 1000} s
Stop with Ctrl-C.
`);

  const stop = async () => {
    await mirror.stop();
    await gateway.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  console.error(err instanceof ConfigError ? `bad configuration: ${err.message}` : `failed to start: ${err.message}`);
  process.exit(1);
});
