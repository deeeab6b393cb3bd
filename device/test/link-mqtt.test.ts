/** The MQTT link against real brokers: the machine's Mosquitto and throwaway ones (plain and TLS). */
import { fork } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { topicFor, type Command, type ConfigMessage, type SessionAck } from '@pose-coach/protocol';
import { backoffDelay, createLink, readCredentials, type Link, type LinkState } from '../src/link/index.ts';
import { makeSession, randomDeviceId, tempDir } from './outbox-fixtures.ts';
import { MOSQUITTO_BIN, SHARED_BROKER, makeCa, startMosquitto } from './link-mosquitto.ts';

const log = pino({ level: 'silent' });

function waitFor<T>(what: string, register: (resolve: (v: T) => void) => void, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

async function observer(url: string, topics: string[]): Promise<{ client: MqttClient; next(topic: string): Promise<string> }> {
  const client = await mqtt.connectAsync(url, { clientId: `obs-${randomDeviceId()}` });
  const waiting = new Map<string, ((v: string) => void)[]>();
  const seen = new Map<string, string[]>();
  client.on('message', (topic, payload) => {
    const w = waiting.get(topic)?.shift();
    if (w) w(payload.toString());
    else seen.set(topic, [...(seen.get(topic) ?? []), payload.toString()]);
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    next: (topic) =>
      waitFor(`a message on ${topic}`, (resolve) => {
        const early = seen.get(topic)?.shift();
        if (early !== undefined) resolve(early);
        else waiting.set(topic, [...(waiting.get(topic) ?? []), resolve]);
      }),
  };
}

function linkUntilOnline(url: string, deviceId: string, handlers: Parameters<typeof createLink>[0]['handlers'] = {}, extra: Partial<Parameters<typeof createLink>[0]> = {}) {
  let onOnline: () => void = () => {};
  const online = new Promise<void>((r) => (onOnline = r));
  const states: LinkState[] = [];
  const link = createLink({
    url,
    deviceId,
    log,
    backoff: { minMs: 100, maxMs: 1000 },
    ...extra,
    handlers: {
      ...handlers,
      onState: (s, e) => {
        states.push(s);
        if (s === 'online') onOnline();
        handlers.onState?.(s, e);
      },
    },
  });
  return { link, online, states };
}

describe('backoff', () => {
  it('grows exponentially up to the cap, with jitter in the upper half', () => {
    const o = { minMs: 1000, maxMs: 60_000 };
    expect(backoffDelay(0, o, () => 0)).toBe(500);
    expect(backoffDelay(0, o, () => 1)).toBe(1000);
    expect(backoffDelay(3, o, () => 1)).toBe(8000);
    expect(backoffDelay(20, o, () => 1)).toBe(60_000);
    expect(backoffDelay(20, o, () => 0)).toBe(30_000);
    const spread = new Set(Array.from({ length: 20 }, () => backoffDelay(4, o)));
    expect(spread.size).toBeGreaterThan(1);
  });
});

describe('credentials file', () => {
  const t = tempDir('cred');
  afterAll(() => t.cleanup());
  const file = join(t.dir, 'device.json');

  it('refuses a file that group or others can read, saying how to fix it', () => {
    writeFileSync(file, JSON.stringify({ deviceId: 'mirror-1', password: 's3cret' }));
    chmodSync(file, 0o644);
    expect(() => readCredentials(file)).toThrow(/readable by group or others \(mode 644\).*chmod 600/);
  });

  it('reads a file readable only by its owner', () => {
    chmodSync(file, 0o600);
    expect(readCredentials(file)).toEqual({ deviceId: 'mirror-1', secret: 's3cret' });
    writeFileSync(file, JSON.stringify({ deviceId: 'mirror-1', secret: 'other' }));
    expect(readCredentials(file).secret).toBe('other');
  });

  it('names the bad field', () => {
    writeFileSync(file, JSON.stringify({ deviceId: 'bad/id', password: 'x' }));
    chmodSync(file, 0o600);
    expect(() => readCredentials(file)).toThrow(/deviceId/);
  });
});

describe('MQTT link against the machine Mosquitto', () => {
  const url = SHARED_BROKER;
  const links: Link[] = [];
  const clients: MqttClient[] = [];
  afterAll(async () => {
    await Promise.all(links.map((l) => l.close()));
    await Promise.all(clients.map((c) => c.endAsync()));
  });

  it('publishes a retained online birth and, when closed, offline', async () => {
    const deviceId = randomDeviceId();
    const { link, online } = linkUntilOnline(url, deviceId);
    await online;
    const obs = await observer(url, [topicFor('status', deviceId)]);
    clients.push(obs.client);
    expect(await obs.next(topicFor('status', deviceId))).toBe('online'); // retained
    await link.close();
    expect(await obs.next(topicFor('status', deviceId))).toBe('offline');
    await obs.client.publishAsync(topicFor('status', deviceId), '', { retain: true }); // tidy
  });

  it('lets the broker say offline through the Last Will when the agent is killed', async () => {
    const deviceId = randomDeviceId();
    const obs = await observer(url, [topicFor('status', deviceId)]);
    clients.push(obs.client);
    const child = fork(fileURLToPath(new URL('./link-child.ts', import.meta.url)), {
      env: { ...process.env, LINK_URL: url, LINK_DEVICE_ID: deviceId },
      execArgv: ['--import', 'tsx'],
      stdio: 'ignore',
    });
    await waitFor('child online', (r) => child.once('message', r), 20_000);
    expect(await obs.next(topicFor('status', deviceId))).toBe('online');
    child.kill('SIGKILL');
    expect(await obs.next(topicFor('status', deviceId))).toBe('offline');
    await obs.client.publishAsync(topicFor('status', deviceId), '', { retain: true });
  });

  it('publishes sessions with QoS 1 and hands sessions/ack, config/desired and cmd to their handlers', async () => {
    const deviceId = randomDeviceId();
    const acks: SessionAck[] = [];
    const configs: ConfigMessage[] = [];
    const cmds: Command[] = [];
    const gw = await observer(url, [topicFor('sessions', deviceId)]);
    clients.push(gw.client);
    // A retained desired config is there before the device connects.
    await gw.client.publishAsync(topicFor('configDesired', deviceId), JSON.stringify({ version: 3, config: { 'telemetry.intervalS': 5 } }), { qos: 1, retain: true });
    let gotAll: () => void = () => {};
    const all = new Promise<void>((r) => (gotAll = r));
    const check = () => acks.length && configs.length && cmds.length && gotAll();
    const { link, online } = linkUntilOnline(url, deviceId, {
      onAck: (a) => (acks.push(a), check()),
      onConfigDesired: (c) => (configs.push(c), check()),
      onCommand: (c) => (cmds.push(c), check()),
    });
    links.push(link);
    await online;
    const s = makeSession();
    await link.publishSession(s);
    expect(JSON.parse(await gw.next(topicFor('sessions', deviceId)))).toEqual(s);
    await gw.client.publishAsync(topicFor('sessionsAck', deviceId), JSON.stringify({ sessionId: s.sessionId, status: 'stored' }), { qos: 1 });
    await gw.client.publishAsync(topicFor('cmd', deviceId), JSON.stringify({ id: 'c1', name: 'diagnostics' }), { qos: 1 });
    await gw.client.publishAsync(topicFor('cmd', deviceId), '{not json', { qos: 1 }); // ignored, no crash
    await waitFor('all handlers', (r) => all.then(r));
    expect(acks).toEqual([{ sessionId: s.sessionId, status: 'stored' }]);
    expect(configs[0]).toEqual({ version: 3, config: { 'telemetry.intervalS': 5 } });
    expect(cmds).toEqual([{ id: 'c1', name: 'diagnostics' }]);
    await gw.client.publishAsync(topicFor('configDesired', deviceId), '', { retain: true, qos: 1 });
  });

  it('gets the retained config/desired again after a restart, though its persistent session was kept', async () => {
    const deviceId = randomDeviceId();
    const gw = await mqtt.connectAsync(url, { clientId: `gw-${deviceId}` });
    clients.push(gw);
    await gw.publishAsync(topicFor('configDesired', deviceId), JSON.stringify({ version: 9, config: {} }), { qos: 1, retain: true });
    for (let run = 0; run < 2; run++) {
      let got: () => void = () => {};
      const config = new Promise<void>((r) => (got = r));
      const l = linkUntilOnline(url, deviceId, { onConfigDesired: (c) => c.version === 9 && got() });
      await waitFor(`config on run ${run}`, (r) => config.then(r));
      await l.link.close();
    }
    await gw.publishAsync(topicFor('configDesired', deviceId), '', { qos: 1, retain: true });
  });

  it('keeps a persistent session: an ack sent while the mirror was away arrives when it returns', async () => {
    const deviceId = randomDeviceId();
    const gw = await mqtt.connectAsync(url, { clientId: `gw-${deviceId}` });
    clients.push(gw);
    // A retained config reaches the link only once the broker holds its subscriptions (sessionsAck with them).
    await gw.publishAsync(topicFor('configDesired', deviceId), JSON.stringify({ version: 1, config: {} }), { qos: 1, retain: true });
    let subscribed: () => void = () => {};
    const settled = new Promise<void>((r) => (subscribed = r));
    const first = linkUntilOnline(url, deviceId, { onConfigDesired: () => subscribed() });
    await waitFor('subscriptions settled', (r) => settled.then(r));
    await first.link.close();
    await gw.publishAsync(topicFor('configDesired', deviceId), '', { qos: 1, retain: true });
    await gw.publishAsync(topicFor('sessionsAck', deviceId), JSON.stringify({ sessionId: 'x-1', status: 'queued' }), { qos: 1 });
    const acks: SessionAck[] = [];
    const ack = new Promise<void>((resolve) => {
      const second = linkUntilOnline(url, deviceId, { onAck: (a) => (acks.push(a), resolve()) });
      links.push(second.link);
    });
    await waitFor('queued ack', (r) => ack.then(r));
    expect(acks[0]?.sessionId).toBe('x-1');
  });
});

describe.skipIf(!MOSQUITTO_BIN)('MQTT link reconnects and pins its CA (throwaway Mosquitto)', () => {
  const t = tempDir('tls');
  let ca: ReturnType<typeof makeCa>;
  let other: ReturnType<typeof makeCa>;
  beforeAll(() => {
    ca = makeCa(t.dir, 'ca');
    other = makeCa(t.dir, 'other');
  });
  afterAll(() => t.cleanup());

  it('comes back online by itself after the broker restarts', async () => {
    const broker = await startMosquitto(t.dir);
    const { link, online, states } = linkUntilOnline(broker.url, randomDeviceId());
    await online;
    let backOnline: () => void = () => {};
    const again = new Promise<void>((r) => (backOnline = r));
    const seen = states.length;
    const poll = setInterval(() => states.slice(seen).includes('online') && backOnline(), 20);
    await broker.stop();
    await vi.waitFor(() => expect(link.state()).not.toBe('online'), { timeout: 10_000, interval: 20 });
    await broker.start();
    await waitFor('reconnect', (r) => again.then(r), 15_000);
    clearInterval(poll);
    expect(states.slice(seen)).toContain('offline');
    await link.close();
    await broker.stop();
  });

  it('connects over TLS when the broker certificate chains to the pinned CA', async () => {
    const broker = await startMosquitto(t.dir, ca);
    const { link, online } = linkUntilOnline(broker.url, randomDeviceId(), {}, { ca: readFileSync(ca.caFile) });
    await waitFor('TLS online', (r) => online.then(r));
    await link.close();
    await broker.stop();
  });

  it('refuses a broker whose certificate another CA signed', async () => {
    const broker = await startMosquitto(t.dir, ca);
    const errors: string[] = [];
    const { link, states } = linkUntilOnline(broker.url, randomDeviceId(), { onState: (_s, e) => e && errors.push(e) }, { ca: readFileSync(other.caFile) });
    await vi.waitFor(() => expect(errors.join(' ')).toMatch(/certificate|self.signed|verify/i), { timeout: 10_000, interval: 20 });
    expect(states).not.toContain('online');
    await link.close();
    await broker.stop();
  });

  it('refuses TLS without a CA file rather than trusting every public CA', () => {
    expect(() => createLink({ url: 'mqtts://localhost:8883', deviceId: 'mirror-1', log, handlers: {} })).toThrow(/no CA file/);
  });
});
