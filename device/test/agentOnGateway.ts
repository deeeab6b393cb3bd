/**
 * The configuration of a real agent talking to a test gateway (gateway/test/support): its device
 * credentials in a file readable only by its user, MQTT over TLS with the gateway's CA pinned,
 * the gateway's HTTP address for pairing, and a data folder of its own.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type AgentConfig } from '../src/agent/config.ts';
import type { TestGateway } from '../../gateway/test/support/testGateway.ts';
import type { PoseFrame, PoseSource } from '../src/agent/ports.ts';

export function agentConfigOnGateway(
  tg: TestGateway,
  creds: { deviceId: string; secret: string },
  dir: string,
  overrides: Record<string, unknown> = {},
): AgentConfig {
  mkdirSync(dir, { recursive: true });
  const credentialsFile = join(dir, `${creds.deviceId}.json`);
  writeFileSync(credentialsFile, JSON.stringify({ deviceId: creds.deviceId, secret: creds.secret }));
  chmodSync(credentialsFile, 0o600);
  return loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, 'data'),
      'http.port': 0,
      'mqtt.url': `mqtts://127.0.0.1:${tg.gateway.mqttsPort}`,
      'mqtt.caFile': tg.gateway.caCertPath,
      'mqtt.credentialsFile': credentialsFile,
      'mqtt.gatewayHttpUrl': `http://127.0.0.1:${tg.gateway.httpPort}`,
      'mqtt.reconnectMinMs': 200,
      ...overrides,
    },
  });
}

/** A camera looking at an empty room: frames with nobody in them, at 10 fps. */
export const emptyRoom: PoseSource = {
  kind: 'camera',
  simulated: false,
  description: 'empty room (test)',
  async *poses(signal) {
    const t0 = Date.now();
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, 100));
      const frame: PoseFrame = { frameAt: Date.now(), t: (Date.now() - t0) / 1000, width: 640, height: 480, keypoints: [], score: 0, inferenceMs: 0 };
      yield frame;
    }
  },
};
