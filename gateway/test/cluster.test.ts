/**
 * Several gateways on one Redis (MQTT_CLUSTER=redis), against real servers: two gateways share
 * MariaDB, Redis, Firestore and the TLS certificate. A command sent through one reaches a mirror
 * on the other and its ack comes back; each gateway's fleet view sees every mirror; a session
 * published on one is stored once and acked `stored` once; a retained pairing outcome is served
 * by a gateway restarted after it was published; the mirror's link fails over to the other
 * gateway when its own goes away, and a command queued meanwhile (QoS 1) reaches it there.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { MqttClient } from 'mqtt';
import { topicFor, type Command, type SessionAck } from '@pose-coach/protocol';
import { createLink, type Link } from '../../device/src/link/index.ts';
import { fleetAdmin } from './support/fleetAdmin.ts';
import { makeSession, startGatewayPair, type TestGateway, type TestGatewayPair } from './support/testGateway.ts';

const ADMIN = 'cluster-admin-token-0123456789';

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A mirror that answers every command it gets with ok and its name. */
function answerCommands(client: MqttClient, deviceId: string, seen: Command[] = []) {
  client.on('message', (topic, payload) => {
    if (topic !== topicFor('cmd', deviceId)) return;
    const cmd = JSON.parse(payload.toString()) as Command;
    seen.push(cmd);
    client.publish(topicFor('cmdAck', deviceId), JSON.stringify({ id: cmd.id, ok: true, result: { answeredBy: deviceId } }), { qos: 1 });
  });
  return client.subscribeAsync(topicFor('cmd', deviceId), { qos: 1 }).then(() => seen);
}

describe('several gateways on one Redis', () => {
  let pair: TestGatewayPair;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    pair = await startGatewayPair({ FLEET_ADMIN_TOKEN: ADMIN, FLEET_FLUSH_S: 0.2 });
    ({ a, b } = pair);
  }, 60_000);
  afterAll(() => pair?.stop());
  const apiOf = (g: () => TestGateway) => fleetAdmin(() => `http://127.0.0.1:${g().gateway.httpPort}`, ADMIN);

  it('delivers a fleet command sent through gateway A to a mirror on gateway B, and A hears its ack', async () => {
    const m = await a.provision();
    const client = await b.connect(m.deviceId, m.secret);
    const seen = await answerCommands(client, m.deviceId);
    const sent = await apiOf(() => a)('POST', `/fleet/api/devices/${m.deviceId}/commands`, { name: 'diagnostics', timeoutMs: 5000 });
    expect(sent.status).toBe(200);
    expect(sent.body.command).toMatchObject({ state: 'ok', result: { answeredBy: m.deviceId } });
    expect(seen).toHaveLength(1);
  });

  it("shows a mirror connected to B as online in A's fleet view", async () => {
    const m = await a.provision();
    await b.connect(m.deviceId, m.secret);
    const view = await until('A to see the mirror online', async () => {
      const r = await apiOf(() => a)('GET', `/fleet/api/devices/${m.deviceId}`);
      return r.body.device?.status === 'online' ? r.body.device : undefined;
    });
    expect(view.deviceId).toBe(m.deviceId);
  });

  it('stores a session published on B once in both stores and acks it stored exactly once', async () => {
    const m = await b.provision();
    const client = await b.connect(m.deviceId, m.secret);
    const session = makeSession();
    const acks = await b.publishSession(client, m.deviceId, session, (ack) => ack.status === 'stored');
    // Both gateways heard "stored"; wait a moment for a second ack that must not come.
    const later: SessionAck[] = [];
    client.on('message', (t, p) => t === topicFor('sessionsAck', m.deviceId) && later.push(JSON.parse(p.toString()) as SessionAck));
    await new Promise((r) => setTimeout(r, 1000));
    expect([...acks, ...later].filter((ack) => ack.status === 'stored')).toHaveLength(1);
    const [rows] = await a.db.pool.query('SELECT session_id FROM workout_sessions WHERE session_id = ?', [session.sessionId]);
    expect(rows).toHaveLength(1);
    expect((await a.gateway.firestore.doc(`users/${m.uid}/workoutSessions/${session.sessionId}`).get()).exists).toBe(true);
  });

  it('serves a retained pairing outcome from a gateway restarted after it was published', async () => {
    const c = await pair.join();
    const { deviceId } = await c.gateway.registry.create({ name: 'Hall' });
    const uid = `u-${randomBytes(4).toString('hex')}`;
    await c.gateway.registry.bind(deviceId, uid, { displayName: 'Grace' });
    await c.gateway.pairing.state.reflect({ deviceId }); // the retained `pairing` message, published on C
    await c.stop();
    const restarted = await pair.join();
    try {
      // Read through the restarted broker's persistence, before any mirror connects (no re-send yet).
      const retained = await new Promise<{ payload: Buffer }[]>((resolve, reject) => {
        const out: { payload: Buffer }[] = [];
        const stream = (restarted.gateway.broker.aedes as unknown as { persistence: { createRetainedStream(pattern: string): NodeJS.ReadableStream } }).persistence.createRetainedStream(topicFor('pairing', deviceId));
        stream.on('data', (p: { payload: Buffer }) => out.push(p));
        stream.on('end', () => resolve(out));
        stream.on('error', reject);
      });
      expect(retained).toHaveLength(1);
      expect(JSON.parse(retained[0]!.payload.toString())).toMatchObject({ paired: true, displayName: 'Grace' });
    } finally {
      await restarted.stop();
    }
  });

  it('fails a mirror over to the other gateway when its own goes away, and a command queued meanwhile reaches it there', async () => {
    const c = await pair.join();
    const m = await a.provision();
    const acks: SessionAck[] = [];
    const commands: Command[] = [];
    const states: string[] = [];
    let link: Link | undefined;
    try {
      link = createLink({
        url: `mqtt://127.0.0.1:${c.gateway.mqttPort},mqtt://127.0.0.1:${b.gateway.mqttPort}`,
        deviceId: m.deviceId,
        password: m.secret,
        backoff: { minMs: 200, maxMs: 1000 },
        log: pino({ level: 'silent' }),
        handlers: { onAck: (ack) => acks.push(ack), onCommand: (cmd) => commands.push(cmd), onState: (s) => states.push(s) },
      });
      await until('the link to come up on C', () => link!.state() === 'online');
      await until("B to see the mirror online", () => b.gateway.fleet.presence.get(m.deviceId)?.status === 'online');
      await c.stop(); // the mirror's gateway goes away
      const downAt = Date.now();
      // A command sent while the mirror is between gateways: kept (QoS 1, persistent session in Redis).
      const pending = b.gateway.fleet.commands.send(m.deviceId, { name: 'diagnostics', timeoutMs: 15_000 });
      await until('the link to come back (on B)', () => states.at(-1) === 'online' && states.includes('offline'), 15_000);
      const reconnectMs = Date.now() - downAt;
      expect(reconnectMs).toBeLessThan(10_000);
      const cmd = await until('the queued command', () => commands[0]);
      await link.publishCommandAck({ id: cmd.id, ok: true });
      expect((await pending).state).toBe('ok');
      const session = makeSession();
      await link.publishSession(session);
      await until('the stored ack', () => acks.find((ack) => ack.sessionId === session.sessionId && ack.status === 'stored'), 15_000);
    } finally {
      await link?.close();
      await c.stop().catch(() => undefined);
    }
  }, 60_000);
});
