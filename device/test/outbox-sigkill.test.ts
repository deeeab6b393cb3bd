/**
 * Nothing is lost when the agent is SIGKILLed at any point of a publish: a child process runs the
 * outbox, drainer and MQTT link; a fake gateway on the machine's Mosquitto acks what it receives.
 * After each kill a fresh child on the same database must deliver every session it had accepted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor, type SessionPayload } from '@pose-coach/protocol';
import { makeSession, randomDeviceId, tempDir, waitUntil } from './outbox-fixtures.ts';
import { SHARED_BROKER } from './link-mosquitto.ts';

const CHILD = fileURLToPath(new URL('./outbox-child.ts', import.meta.url));

interface ChildMsg {
  ready?: boolean;
  putOk?: string;
  at?: string;
  depth?: { pending: number };
}

class Gateway {
  received = new Map<string, number>();
  constructor(
    readonly client: MqttClient,
    readonly deviceId: string,
  ) {
    client.on('message', (_topic, payload) => {
      const s = JSON.parse(payload.toString()) as SessionPayload;
      this.received.set(s.sessionId, (this.received.get(s.sessionId) ?? 0) + 1);
      // Idempotent by sessionId, like the real gateway: a duplicate is acked again, stored once.
      void client.publishAsync(topicFor('sessionsAck', deviceId), JSON.stringify({ sessionId: s.sessionId, status: 'stored' }), { qos: 1 });
    });
  }
  static async start(deviceId: string): Promise<Gateway> {
    const client = await mqtt.connectAsync(SHARED_BROKER, { clientId: `gw-${deviceId}` });
    await client.subscribeAsync(topicFor('sessions', deviceId), { qos: 1 });
    return new Gateway(client, deviceId);
  }
}

function startChild(env: Record<string, string>, onMsg: (m: ChildMsg) => void): { child: ChildProcess; ready: Promise<void> } {
  const child = fork(CHILD, { env: { ...process.env, ...env }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: ChildMsg) => {
      if (m.ready) resolve();
      onMsg(m);
    });
    child.once('exit', (code, signal) => reject(new Error(`child exited early (${code ?? signal})`)));
  });
  return { child, ready };
}

const until = (what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<true> => waitUntil(what, () => cond() as true | false | Promise<true | false>, ms);

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('outbox under SIGKILL', () => {
  const t = tempDir('sigkill');
  afterAll(() => t.cleanup());

  /** Puts `count` sessions, freezes the child at `point`, kills it, then lets a new child finish. */
  async function killAt(point: string, count = 3) {
    const deviceId = randomDeviceId('kill');
    const db = join(t.dir, `${point}.db`);
    const gw = await Gateway.start(deviceId);
    const accepted = new Set<string>();
    let frozen = false;
    const env = { OUTBOX_DB: db, LINK_URL: SHARED_BROKER, LINK_DEVICE_ID: deviceId };
    const first = startChild({ ...env, KILL_AT: point }, (m) => {
      if (m.putOk) accepted.add(m.putOk);
      if (m.at === point) frozen = true;
    });
    await first.ready;
    first.child.removeAllListeners('exit');
    const sessions = Array.from({ length: count }, () => makeSession());
    for (const s of sessions) first.child.send({ put: s });
    await until(`child frozen at ${point}`, () => frozen);
    await kill(first.child);

    let depth = -1;
    const second = startChild(env, (m) => {
      if (m.depth) depth = m.depth.pending;
      if (m.putOk) accepted.add(m.putOk);
    });
    await second.ready;
    // Anything accepted before the kill must reach the gateway, and the outbox must empty.
    await until('every accepted session delivered and acked', () => [...accepted].every((id) => gw.received.has(id)) && depth === 0);
    second.child.removeAllListeners('exit');
    await kill(second.child);
    await gw.client.endAsync();
    return { accepted, received: gw.received };
  }

  for (const point of ['after-put', 'before-publish', 'after-puback', 'ack-received', 'ack-applied']) {
    it(`delivers every accepted session when killed at ${point}`, async () => {
      const { accepted, received } = await killAt(point);
      expect(accepted.size).toBeGreaterThan(0);
      for (const id of accepted) expect(received.get(id)).toBeGreaterThanOrEqual(1);
    });
  }

  it('loses nothing over repeated kills at random moments while sessions keep arriving', async () => {
    const deviceId = randomDeviceId('chaos');
    const db = join(t.dir, 'chaos.db');
    const gw = await Gateway.start(deviceId);
    const accepted = new Set<string>();
    const env = { OUTBOX_DB: db, LINK_URL: SHARED_BROKER, LINK_DEVICE_ID: deviceId };
    for (let round = 0; round < 5; round++) {
      const c = startChild({ ...env, AUTO_PUT_MS: '3' }, (m) => m.putOk && accepted.add(m.putOk));
      await c.ready;
      c.child.removeAllListeners('exit');
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 400));
      await kill(c.child);
    }
    let depth = -1;
    const last = startChild(env, (m) => {
      if (m.depth) depth = m.depth.pending;
    });
    await last.ready;
    await until('all delivered', () => [...accepted].every((id) => gw.received.has(id)) && depth === 0, 30_000);
    last.child.removeAllListeners('exit');
    await kill(last.child);
    await gw.client.endAsync();
    expect(accepted.size).toBeGreaterThan(50);
    const duplicates = [...gw.received.values()].filter((n) => n > 1).length;
    // Resends are expected (the gateway dedupes); losses are not.
    expect([...accepted].filter((id) => !gw.received.has(id))).toEqual([]);
    console.log(`chaos: ${accepted.size} sessions accepted over 5 kills, all delivered; ${duplicates} sent more than once`);
  });
});
