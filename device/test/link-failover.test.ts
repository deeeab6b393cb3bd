/**
 * A real agent failing over between gateways of one cluster (real aedes gateways on Redis and
 * MariaDB): a gateway that takes the connection but never answers is left after the agent's
 * configured connect timeout, with its configured backoff; a gateway killed with SIGKILL (its own
 * process) is left for another at once. Which gateway the link is on is read from its log.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../src/agent/agent.ts';
import { realCoach } from '../src/agent/sessionTracker.ts';
import { agentConfigOnGateway, emptyRoom } from './agentOnGateway.ts';
import { freePort } from './link-mosquitto.ts';
import { tempDir, waitUntil } from './outbox-fixtures.ts';
import { startGatewayProcess, type GatewayProcess } from '../../gateway/test/support/gatewayProcess.ts';
import { startClusterShare, startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';

interface LinkLine {
  at: number;
  msg: string;
  err?: string;
  gateway?: string;
  retryInMs?: number;
}

/** An agent whose link log lines are kept, to see which gateway it is on and why it moved. */
async function agentOn(b: TestGateway, dir: string, url: string, extra: Record<string, unknown> = {}) {
  const { deviceId, secret } = await b.gateway.registry.create();
  await b.gateway.registry.bind(deviceId, `failover-${deviceId}`, { displayName: 'Failover' });
  const lines: LinkLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) {
        const o = JSON.parse(l) as LinkLine & { part?: string };
        if (o.part === 'link') lines.push({ ...o, at: Date.now() });
      }
      done();
    },
  });
  const config = agentConfigOnGateway(b, { deviceId, secret }, dir, { 'mqtt.url': url, 'mqtt.caFile': undefined, ...extra });
  const startedAt = Date.now();
  const agent = await createAgent({ config, log: pino({ level: 'debug' }, sink), source: emptyRoom, createCoach: realCoach });
  const upOn = (port: number) => lines.find((l) => l.msg === 'MQTT link up' && l.gateway === `127.0.0.1:${port}`);
  return { agent, deviceId, lines, startedAt, upOn };
}

describe('agent failover between gateways', () => {
  let share: Awaited<ReturnType<typeof startClusterShare>>;
  let b: TestGateway;
  let doomed: GatewayProcess | undefined;
  let hole: Server;
  const held: Socket[] = [];
  const agents: Agent[] = [];
  const t = tempDir('pc-failover-');

  beforeAll(async () => {
    share = await startClusterShare();
    b = await startTestGateway({}, { joining: share });
    // A gateway too busy to answer: the connection is taken, nothing ever comes back.
    hole = createServer((s) => held.push(s.on('error', () => undefined)));
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  }, 60_000);
  afterAll(async () => {
    for (const a of agents) await a.stop('test over').catch(() => undefined);
    await doomed?.kill();
    for (const s of held) s.destroy();
    hole?.close();
    await b?.stop();
    await share?.close();
    t.cleanup();
  }, 30_000);

  it('leaves a gateway that never answers after its configured connect timeout, backing off as configured, and comes up on the next', async () => {
    const holePort = (hole.address() as AddressInfo).port;
    const timeoutMs = 1500;
    const m = await agentOn(b, join(t.dir, 'hole'), `mqtt://127.0.0.1:${holePort},mqtt://127.0.0.1:${b.gateway.mqttPort}`, {
      'mqtt.connectTimeoutMs': timeoutMs,
      'mqtt.reconnectMinMs': 300,
      'mqtt.reconnectMaxMs': 900,
    });
    agents.push(m.agent);
    await waitUntil('the link up on the gateway that answers', () => m.upOn(b.gateway.mqttPort), 30_000);
    const timedOut = m.lines.find((l) => l.msg === 'MQTT link error' && l.err === 'connack timeout');
    expect(timedOut, JSON.stringify(m.lines)).toBeDefined();
    // Not before the configured timeout (a lower bound only: a busy machine may make it later).
    expect(timedOut!.at - m.startedAt).toBeGreaterThanOrEqual(timeoutMs - 50);
    // The retry waits what the configured backoff allows: half the minimum up to the maximum.
    expect(timedOut!.retryInMs).toBeGreaterThanOrEqual(150);
    expect(timedOut!.retryInMs).toBeLessThanOrEqual(900);
    expect(held.length).toBeGreaterThanOrEqual(1); // it really tried the silent one first
    await waitUntil('the gateway to see the mirror online', () => b.gateway.fleet.presence.get(m.deviceId)?.status === 'online', 10_000);
  }, 60_000);

  it("moves to another gateway when its own is killed with SIGKILL, and that gateway's fleet sees it online", async () => {
    const port = await freePort();
    doomed = await startGatewayProcess(share, { GATEWAY_MQTT_PORT: String(port) });
    const m = await agentOn(b, join(t.dir, 'kill'), `mqtt://127.0.0.1:${port},mqtt://127.0.0.1:${b.gateway.mqttPort}`);
    agents.push(m.agent);
    await waitUntil('the link up on the gateway to be killed', () => m.upOn(port), 30_000);
    const before = m.lines.length;
    await doomed.kill();
    await waitUntil('the link up on the surviving gateway', () => m.lines.slice(before).find((l) => l.msg === 'MQTT link up' && l.gateway === `127.0.0.1:${b.gateway.mqttPort}`), 30_000);
    await waitUntil('the surviving gateway to see the mirror online', () => b.gateway.fleet.presence.get(m.deviceId)?.status === 'online', 10_000);
  }, 60_000);
});
