/**
 * The agent against the real gateway (aedes broker with per-device auth over TLS, ingest,
 * BullMQ, Firestore emulator, MariaDB): sessions reach both stores, rejected ones are
 * quarantined with the reason, unpaired ones wait, and a queue of sessions drains through
 * outages without a loss or a duplicate in the stores.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveEvent, SessionPayload } from '@pose-coach/protocol';
import { createAgent, type Agent } from '../src/agent/agent.ts';
import { loadConfig } from '../src/agent/config.ts';
import { createSimulatedAthlete } from '../src/agent/simulatedAthlete.ts';
import { openSqliteOutbox } from '../src/outbox/index.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { startTcpProxy, type TcpProxy } from '../../gateway/test/support/tcpProxy.ts';
import { realCoach } from '../src/agent/sessionTracker.ts';
import { makeSession, tempDir, waitUntil } from './outbox-fixtures.ts';

const until = (what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<true> => waitUntil(what, () => cond() as true | false | Promise<true | false>, ms);

describe('agent against the real gateway', () => {
  let tg: TestGateway;
  const t = tempDir('agent-gw');
  const agents: Agent[] = [];

  beforeAll(async () => {
    tg = await startTestGateway();
  });
  afterAll(async () => {
    for (const a of agents) await a.stop('test over');
    await tg?.stop();
    t.cleanup();
  });

  /** An agent with the device's credentials file (mode 600) and the gateway's CA pinned. */
  async function startAgent(creds: { deviceId: string; secret: string }, opts: { port?: number; speed?: number; overrides?: Record<string, unknown>; prefill?: (dataDir: string) => void } = {}) {
    const dir = join(t.dir, creds.deviceId);
    const credentialsFile = join(t.dir, `${creds.deviceId}.json`);
    writeFileSync(credentialsFile, JSON.stringify(creds));
    chmodSync(credentialsFile, 0o600);
    opts.prefill?.(join(dir, 'data'));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: join(dir, 'data'),
        'http.port': 0,
        'mqtt.url': `mqtts://127.0.0.1:${opts.port ?? tg.gateway.mqttsPort}`,
        'mqtt.caFile': tg.gateway.caCertPath,
        'mqtt.credentialsFile': credentialsFile,
        'mqtt.reconnectMinMs': 200,
        'mqtt.reconnectMaxMs': 1000,
        'coach.idleEndS': 1,
        ...opts.overrides,
      },
    });
    const source = createSimulatedAthlete({ speed: opts.speed ?? 4, repsPerSet: 3, repPeriodS: 2, restS: 12 });
    const agent = await createAgent({ config, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), source, createCoach: realCoach });
    agents.push(agent);
    const events: LiveEvent[] = [];
    const ws = new WebSocket(`${agent.url.replace('http', 'ws')}live`);
    ws.on('message', (d) => events.push(JSON.parse(d.toString()) as LiveEvent));
    await new Promise((r) => ws.once('open', r));
    return { agent, events, ws, dataDir: join(dir, 'data') };
  }

  it('delivers a live session over TLS with per-device credentials to Firestore and MySQL', async () => {
    const dev = await tg.provision();
    const { agent, events, ws } = await startAgent(dev);
    await until('a session ended', () => events.some((e) => e.type === 'session' && e.state === 'ended' && !!e.summary));
    const ended = events.find((e) => e.type === 'session' && e.state === 'ended' && !!e.summary);
    const sessionId = ended?.type === 'session' ? ended.summary!.sessionId : '';
    await until('in both stores', async () => Boolean((await tg.gateway.repositories.mysql.get(dev.uid, sessionId)) && (await tg.gateway.repositories.firestore.get(dev.uid, sessionId))));
    const stored = await tg.gateway.repositories.firestore.get(dev.uid, sessionId);
    expect(stored).toMatchObject({ sessionId, exercise: 'squat', userId: dev.uid });
    expect(events.some((e) => e.type === 'link' && e.state === 'online')).toBe(true);
    // The stored ack carries the gateway's motivational feedback into the mirror's history.
    await until('history synced with feedback', async () => {
      const h = (await (await fetch(`${agent.url}api/history?range=today`)).json()) as { sessions: { session: SessionPayload; sync: string; motivationalFeedback?: string }[] };
      const mine = h.sessions.find((s) => s.session.sessionId === sessionId);
      return mine?.sync === 'synced' && !!mine.motivationalFeedback;
    });
    ws.close();
  });

  it('quarantines a session the gateway rejects, with its reason, and sends it no more', async () => {
    const dev = await tg.provision();
    const bad = makeSession();
    const { agent } = await startAgent(dev, {
      speed: 0.01, // no sessions of its own
      prefill: (dataDir) => {
        // Written past the outbox's own validation, as an older agent version might have.
        openSqliteOutbox(join(dataDir, 'outbox.db')).close();
        const db = new Database(join(dataDir, 'outbox.db'));
        db.prepare('INSERT INTO outbox (session_id, payload, created_at) VALUES (?, ?, ?)').run(bad.sessionId, JSON.stringify({ ...bad, reps: 2.5 }), Date.now());
        db.close();
      },
    });
    await until('quarantined', async () => ((await (await fetch(`${agent.url}api/outbox`)).json()) as { quarantined: number }).quarantined === 1);
    const q = (await (await fetch(`${agent.url}api/quarantine`)).json()) as { sessions: { sessionId: string; reason: string }[] };
    expect(q.sessions[0]).toMatchObject({ sessionId: bad.sessionId, reason: expect.stringMatching(/reps/) });
    expect(agent.diagnostics().outbox).toMatchObject({ pending: 0, quarantined: 1 });
  });

  it('keeps sessions while the mirror is unpaired and delivers them once it is paired', async () => {
    const dev = await tg.provision(null);
    const sessions = [makeSession(), makeSession()];
    const { agent } = await startAgent(dev, {
      speed: 0.01,
      overrides: { 'outbox.unpairedRetryS': 1 },
      prefill: (dataDir) => {
        const store = openSqliteOutbox(join(dataDir, 'outbox.db'));
        for (const s of sessions) store.put(s);
        store.close();
      },
    });
    await until('unpaired', () => (agent.diagnostics().outbox as { unpaired: number }).unpaired === 2);
    const uid = `user-paired-${dev.deviceId.slice(-6)}`;
    await tg.gateway.registry.bind(dev.deviceId, uid, { displayName: 'Late Pairing' });
    await until('delivered after pairing', () => (agent.diagnostics().outbox as { pending: number }).pending === 0);
    await until('in MySQL', async () => Boolean(await tg.gateway.repositories.mysql.get(uid, sessions[1]!.sessionId)));
  });

  it('drains 300 queued sessions through gateway outages, none lost and none stored twice', async () => {
    const dev = await tg.provision();
    const proxy: TcpProxy = await startTcpProxy('127.0.0.1', tg.gateway.mqttsPort);
    proxy.block(); // the gateway is "down" when the agent starts
    const queued = Array.from({ length: 300 }, (_, i) => makeSession({ timestamp: new Date(Date.now() - (i + 1) * 60_000).toISOString() }));
    const { agent } = await startAgent(dev, {
      port: proxy.port,
      speed: 0.01,
      prefill: (dataDir) => {
        const store = openSqliteOutbox(join(dataDir, 'outbox.db'));
        for (const s of queued) store.put(s);
        store.close();
      },
    });
    const linkState = () => (agent.diagnostics().link as { state: string }).state;
    await until('a connect refused', () => linkState() === 'offline');
    expect(agent.diagnostics().outbox).toMatchObject({ pending: 300 });
    proxy.unblock();
    await until('draining', () => (agent.diagnostics().outbox as { pending: number }).pending < 250);
    proxy.block(); // the network flaps mid-drain
    await until('the link dropped', () => linkState() !== 'online');
    proxy.unblock();
    await until('drained', () => (agent.diagnostics().outbox as { pending: number }).pending === 0, 60_000);
    const count = async () => {
      const [rows] = await tg.gateway.pool.query('SELECT COUNT(*) AS n, COUNT(DISTINCT session_id) AS d FROM workout_sessions WHERE user_id = ?', [dev.uid]);
      return (rows as { n: number; d: number }[])[0]!;
    };
    await until('all in MySQL', async () => Number((await count()).n) >= 300, 60_000);
    expect(await count()).toMatchObject({ n: 300, d: 300 });
    await proxy.close();
  });
});
