/**
 * A gateway of a test cluster in its own process (gatewayChild.ts), for tests that kill it with
 * SIGKILL: nothing is closed or given back, as in a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { REDIS_URL, type ClusterShare } from './testGateway.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface GatewayProcess {
  child: ChildProcess;
  httpPort: number;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

/** Starts a gateway joining `share` with MQTT_CLUSTER=redis; `env` adds or overrides variables (GATEWAY_MQTT_PORT to know its MQTT port). */
export async function startGatewayProcess(share: ClusterShare, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/test/support/gatewayChild.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      GATEWAY_HOST: '127.0.0.1', GATEWAY_MQTT_PORT: '0', GATEWAY_MQTTS_PORT: '0', GATEWAY_HTTP_PORT: '0',
      GATEWAY_DATA_DIR: share.dataDir, REDIS_URL, QUEUE_PREFIX: share.prefix, MYSQL_URL: share.db.url,
      ...(share.emulatorHost ? { FIRESTORE_EMULATOR_HOST: share.emulatorHost } : {}),
      FIREBASE_PROJECT_ID: share.tokens.projectId, FIREBASE_JWKS_URL: share.tokens.jwksUrl,
      MQTT_CLUSTER: 'redis', RECONCILE_EVERY_S: '0', LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const httpPort = await new Promise<number>((ready, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /ready (\d+)/.exec(d.toString());
      if (m) ready(Number(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`gateway process exited with ${code}`)));
  });
  return {
    child,
    httpPort,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
  };
}
