/**
 * The agent end to end on one machine: simulated athlete → coach → WebSocket events and a
 * session through the outbox to a gateway stand-in on the machine's Mosquitto; telemetry,
 * config/desired, commands, health, the UI folder, and a SIGTERM that saves the session.
 */
import { fork } from 'node:child_process';
import { get } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { liveEventSchema, telemetrySchema, topicFor, type LiveEvent, type SessionPayload } from '@pose-coach/protocol';
import { createAgent, type Agent } from '../src/agent/agent.ts';
import { loadConfig } from '../src/agent/config.ts';
import { createSimulatedAthlete } from '../src/agent/simulatedAthlete.ts';
import { openSqliteOutbox } from '../src/outbox/index.ts';
import { realCoach } from '../src/agent/sessionTracker.ts';
import { SHARED_BROKER } from './link-mosquitto.ts';
import { randomDeviceId, tempDir, waitUntil } from './outbox-fixtures.ts';

const until = (what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<true> => waitUntil(what, () => cond() as true | false | Promise<true | false>, ms);

describe('agent with the simulated athlete, against Mosquitto', () => {
  const t = tempDir('agent');
  const deviceId = randomDeviceId('agent');
  const uiDir = join(t.dir, 'ui');
  const events: LiveEvent[] = [];
  const invalid: unknown[] = [];
  const gw: Record<string, string[]> = {};
  let gateway: MqttClient;
  let agent: Agent;
  let ws: WebSocket;

  beforeAll(async () => {
    mkdirSync(uiDir);
    writeFileSync(join(uiDir, 'index.html'), '<title>mirror</title>');
    gateway = await mqtt.connectAsync(SHARED_BROKER, { clientId: `gw-${deviceId}` });
    gateway.on('message', (topic, payload) => {
      const kind = topic.slice(`mirrors/${deviceId}/`.length);
      (gw[kind] ??= []).push(payload.toString());
      if (kind === 'sessions') {
        const s = JSON.parse(payload.toString()) as SessionPayload;
        void gateway.publishAsync(topicFor('sessionsAck', deviceId), JSON.stringify({ sessionId: s.sessionId, status: 'stored', motivationalFeedback: 'Nice set!' }), { qos: 1 });
      }
    });
    await gateway.subscribeAsync(`mirrors/${deviceId}/#`, { qos: 1 });
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: join(t.dir, 'data'),
        'http.port': 0,
        'http.uiDir': uiDir,
        'mqtt.url': SHARED_BROKER,
        'mqtt.deviceId': deviceId,
        'telemetry.intervalS': 1,
        'coach.idleEndS': 1,
      },
    });
    // 4× real time: a set of 5 squats (the 4th shallow) takes 2.5 s, then the athlete leaves
    // for 2.5 s, which ends the session.
    const source = createSimulatedAthlete({ speed: 4, repsPerSet: 5, repPeriodS: 2, restS: 10 });
    agent = await createAgent({ config, log: pino({ level: 'silent' }), source, createCoach: realCoach });
    ws = new WebSocket(`${agent.url.replace('http', 'ws')}live`);
    ws.on('message', (data) => {
      const r = liveEventSchema.safeParse(JSON.parse(data.toString()));
      if (r.success) events.push(r.data);
      else invalid.push(JSON.parse(data.toString()));
    });
    await new Promise((r) => ws.once('open', r));
  });

  afterAll(async () => {
    ws?.close();
    await agent?.stop('test over');
    await gateway?.publishAsync(topicFor('status', deviceId), '', { retain: true });
    await gateway?.endAsync();
    t.cleanup();
  });

  it('greets a WebSocket client, labelling the simulation, and streams valid pose events', async () => {
    await until('pose events', () => events.filter((e) => e.type === 'pose').length > 10);
    expect(events[0]).toMatchObject({ type: 'hello', source: 'simulation', simulated: true, deviceId });
    const pose = events.find((e) => e.type === 'pose' && e.keypoints.length > 0);
    expect(pose && pose.type === 'pose' && pose.keypoints.every((k) => k.x >= 0 && k.x <= 1 && k.y >= 0 && k.y <= 1)).toBe(true);
    expect(pose).toMatchObject({ width: 640, height: 480, simulated: true });
    expect(invalid).toEqual([]);
  });

  it('counts reps live, ends the session when the athlete leaves, and the gateway acks it', async () => {
    await until('a session ended', () => events.some((e) => e.type === 'session' && e.state === 'ended'), 30_000);
    const reps = events.filter((e) => e.type === 'rep');
    expect(reps.length).toBeGreaterThanOrEqual(3);
    expect(events.some((e) => e.type === 'cue' && e.text.length > 0)).toBe(true);
    const ended = events.find((e) => e.type === 'session' && e.state === 'ended');
    const summary = ended?.type === 'session' ? ended.summary : undefined;
    expect(summary).toMatchObject({ exercise: 'squat', appVersion: expect.any(String) });
    expect(summary!.reps).toBeGreaterThanOrEqual(3);
    await until('session at the gateway', () => (gw.sessions ?? []).some((s) => JSON.parse(s).sessionId === summary!.sessionId));
    await until('outbox drained', () => events.some((e) => e.type === 'outbox' && e.pending === 0 && !!e.lastSyncedAt));
    const history = (await (await fetch(`${agent.url}api/history?range=today`)).json()) as { sessions: { sync: string; motivationalFeedback?: string }[] };
    expect(history.sessions[0]).toMatchObject({ sync: 'synced', motivationalFeedback: 'Nice set!' });
  });

  it('says online on a retained status and sends telemetry the gateway can parse', async () => {
    await until('telemetry', () => (gw.telemetry ?? []).length > 0);
    expect(gw.status).toContain('online');
    // Every message must parse; the first may be sent before two frames have arrived
    // (fps 0 is then the truth), so the frame rate is asserted on a later one.
    const all = gw.telemetry!.map((m) => telemetrySchema.parse(JSON.parse(m)));
    expect(all[0]).toMatchObject({ appVersion: expect.any(String), outboxDepth: expect.any(Number), uptimeS: expect.any(Number), memoryMb: expect.any(Number) });
    await until('telemetry with a frame rate', () => (gw.telemetry ?? []).some((m) => (telemetrySchema.parse(JSON.parse(m)).fps ?? 0) > 0));
  });

  it('applies config/desired live and echoes it on config/reported', async () => {
    await gateway.publishAsync(topicFor('configDesired', deviceId), JSON.stringify({ version: 7, config: { 'coach.minReps': 2 } }), { qos: 1 });
    await until('reported v7', () => (gw['config/reported'] ?? []).some((m) => JSON.parse(m).version === 7));
    const rep = (gw['config/reported'] ?? []).map((m) => JSON.parse(m)).find((m) => m.version === 7);
    expect(rep.config['coach.minReps']).toBe(2);
    await gateway.publishAsync(topicFor('configDesired', deviceId), JSON.stringify({ version: 8, config: { 'mqtt.url': 'x' } }), { qos: 1 });
    await until('reported v8', () => (gw['config/reported'] ?? []).some((m) => JSON.parse(m).version === 8));
    expect((gw['config/reported'] ?? []).map((m) => JSON.parse(m)).find((m) => m.version === 8).error).toMatch(/not changeable live: mqtt\.url/);
  });

  it('answers diagnostics, restart-camera, end-session and unknown commands on cmd/ack', async () => {
    for (const [id, name] of [['d1', 'diagnostics'], ['r1', 'restart-camera'], ['e1', 'end-session'], ['x1', 'self-destruct']]) {
      await gateway.publishAsync(topicFor('cmd', deviceId), JSON.stringify({ id, name }), { qos: 1 });
    }
    await until('4 acks', () => (gw['cmd/ack'] ?? []).length >= 4);
    const acks = Object.fromEntries((gw['cmd/ack'] ?? []).map((m) => JSON.parse(m)).map((a) => [a.id, a]));
    expect(acks.d1).toMatchObject({ ok: true, result: { deviceId, source: { kind: 'simulation' }, link: { state: 'online' } } });
    expect(acks.r1.ok).toBe(true);
    expect(acks.e1).toMatchObject({ ok: true, result: { saved: expect.any(Boolean) } });
    expect(acks.x1).toMatchObject({ ok: false, error: expect.stringMatching(/unknown command self-destruct; known: restart-camera, end-session, diagnostics/) });
    const after = events.length;
    await until('poses after the camera restart', () => events.slice(after).some((e) => e.type === 'pose'));
  });

  it('serves health, history and the built UI (with app routes falling back to index.html)', async () => {
    const health = await fetch(`${agent.url}healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, source: 'simulation', link: 'online' });
    expect(await (await fetch(agent.url)).text()).toContain('<title>mirror</title>');
    expect(await (await fetch(`${agent.url}history`)).text()).toContain('<title>mirror</title>');
    expect((await fetch(`${agent.url}missing.js`)).status).toBe(404);
    expect((await fetch(`${agent.url}api/history?range=year`)).status).toBe(400);
    // A page on another name that resolves to 127.0.0.1 (DNS rebinding) gets nothing.
    const rebound = await new Promise<number>((resolve) =>
      get(`${agent.url}api/history`, { headers: { host: 'evil.example:80' } }, (res) => resolve(res.statusCode ?? 0)),
    );
    expect(rebound).toBe(403);
  });
});

describe('agent process on SIGTERM', () => {
  it('closes the session in progress, saves it to the outbox and exits 0', async () => {
    const t = tempDir('sigterm');
    const dataDir = join(t.dir, 'data');
    const child = fork(fileURLToPath(new URL('./agent-child.ts', import.meta.url)), ['--simulate', '--port', '0'], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, POSE_AGENT_DATA_DIR: dataDir, POSE_AGENT_MQTT_URL: '', POSE_AGENT_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((resolve) => child.on('message', (m: { url?: string }) => m.url && resolve(m.url)));
    const ws = new WebSocket(`${url.replace('http', 'ws')}live`);
    let reps = 0;
    ws.on('message', (d) => {
      const e = JSON.parse(d.toString()) as LiveEvent;
      if (e.type === 'rep') reps = e.count;
    });
    await until('two reps', () => reps >= 2, 30_000);
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const store = openSqliteOutbox(join(dataDir, 'outbox.db'));
    const [h] = store.history('1970-01-01T00:00:00.000Z');
    expect(store.depth().pending).toBe(1);
    expect(h?.session.reps).toBeGreaterThanOrEqual(2);
    store.close();
    t.cleanup();
  });
});
