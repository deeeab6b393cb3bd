/**
 * Unpairing from the glass with the real agent and the real gateway: `POST /api/pairing/unpair`
 * on the agent's localhost server asks first (the live `link` event then carries the deadline),
 * and only a confirmation inside the window ends the pairing; the mirror then shows a new code.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { liveEventSchema, topicFor, type LinkEvent, type LiveEvent, type PairingMessage } from '@pose-coach/protocol';
import { createAgent, type Agent } from '../src/agent/agent.ts';
import { realCoach } from '../src/agent/sessionTracker.ts';
import { agentConfigOnGateway, emptyRoom } from './agentOnGateway.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { tempDir, waitUntil } from './outbox-fixtures.ts';

const until = <T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> => waitUntil<T>(what, get, ms);


describe('unpairing the mirror from the glass', () => {
  let tg: TestGateway;
  const agents: Agent[] = [];
  const sockets: WebSocket[] = [];
  const t = tempDir('pairing-unpair');

  beforeAll(async () => {
    tg = await startTestGateway({ PAIRING_POLL_INTERVAL_S: 1 });
  }, 60_000);
  afterAll(async () => {
    for (const ws of sockets) ws.close();
    for (const a of agents) await a.stop('test over');
    await tg?.stop();
    t.cleanup();
  });

  /** A mirror running the agent, paired with Grace through the code its glass showed. */
  async function mirror(room: string, unpairConfirmS?: number) {
    const { deviceId, secret } = await tg.gateway.registry.create({ room });
    const config = agentConfigOnGateway(tg, { deviceId, secret }, join(t.dir, deviceId), { 'mqtt.unpairConfirmS': unpairConfirmS });
    const agent = await createAgent({ config, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), source: emptyRoom, createCoach: realCoach });
    agents.push(agent);
    const events: LiveEvent[] = [];
    const ws = new WebSocket(`${agent.url.replace('http', 'ws')}live`);
    sockets.push(ws);
    ws.on('message', (d) => events.push(liveEventSchema.parse(JSON.parse(String(d))))); // every event valid against the protocol
    const links = () => events.filter((e): e is LinkEvent => e.type === 'link');
    const lastLink = () => links().at(-1);
    const unpair = async (step: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${agent.url}api/pairing/unpair`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ step }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    return { agent, deviceId, secret, links, lastLink, unpair };
  }

  async function pairWithGrace(m: Awaited<ReturnType<typeof mirror>>): Promise<string> {
    const shown = await until('a pairing code on the glass', () => m.links().find((e) => e.pairingCode));
    const token = await tg.tokens.sign('uid-grace', { name: 'Grace Hopper' });
    const res = await tg.gateway.api.inject({ method: 'POST', url: '/api/pairing/claim', headers: { authorization: `Bearer ${token}` }, payload: { user_code: shown.pairingCode } });
    expect(res.statusCode, res.body).toBe(200);
    await until('greeted by name', () => (m.lastLink()?.paired === true && m.lastLink()?.displayName === 'Grace Hopper' ? true : undefined));
    return shown.pairingCode!;
  }

  it('asks, and on confirmation unpairs at the gateway and shows a new code', async () => {
    const m = await mirror('Hall');
    await until('a pairing code', () => m.links().find((e) => e.pairingCode));
    expect(await m.unpair('request')).toEqual({ status: 409, body: { error: 'this mirror is not paired: there is nothing to unpair' } });
    const firstCode = await pairWithGrace(m);

    const asked = await m.unpair('request');
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ step: 'confirm', displayName: 'Grace Hopper' });
    const until30 = Date.parse(String(asked.body.until)) - Date.now();
    expect(until30).toBeGreaterThan(25_000);
    expect(until30).toBeLessThanOrEqual(30_000);
    const question = await until('the question on the live channel', () => m.links().find((e) => e.unpairConfirmUntil));
    expect(question).toMatchObject({ paired: true, displayName: 'Grace Hopper', unpairConfirmUntil: asked.body.until });

    expect(await m.unpair('confirm')).toEqual({ status: 200, body: { unpaired: true } });
    expect(await tg.gateway.registry.bindingOf(m.deviceId)).toBeUndefined();
    const fresh = await until('a new code once unpaired', () => {
      const l = m.lastLink();
      return l?.paired === false && l.pairingCode && l.pairingCode !== firstCode ? l : undefined;
    });
    expect(fresh.unpairConfirmUntil).toBeUndefined();
    expect(fresh.displayName).toBeUndefined();
    expect(JSON.stringify(m.links())).not.toContain('uid-grace'); // never a uid on the glass

    // The retained message a mirror gets on connecting says unpaired too.
    await m.agent.stop('read the retained message');
    const probe = await tg.connect(m.deviceId, m.secret);
    const retained = new Promise<PairingMessage>((resolve) => probe.on('message', (_t, p) => resolve(JSON.parse(p.toString()) as PairingMessage)));
    await probe.subscribeAsync(topicFor('pairing', m.deviceId), { qos: 1 });
    expect(await retained).toMatchObject({ paired: false });
    await probe.endAsync();
  }, 90_000);

  it('does nothing when the question is left unanswered, and refuses a late confirmation', async () => {
    const m = await mirror('Bedroom', 1);
    await pairWithGrace(m);
    const asked = await m.unpair('request');
    expect(asked.status).toBe(200);
    await until('the question on the live channel', () => (m.lastLink()?.unpairConfirmUntil ? true : undefined));
    await until('the question taken away when its second is up', () => (m.lastLink()?.unpairConfirmUntil === undefined ? true : undefined), 5000);
    expect(m.lastLink()).toMatchObject({ paired: true, displayName: 'Grace Hopper' });

    const late = await m.unpair('confirm');
    expect(late.status).toBe(409);
    expect(late.body.error).toBe(`too late: the time to confirm ran out at ${String(asked.body.until)}; press "Unpair this mirror" again`);
    expect((await tg.gateway.registry.bindingOf(m.deviceId))?.uid).toBe('uid-grace');
  }, 90_000);

  it('refuses a confirmation nobody asked for, a cancelled one, bad bodies and other origins', async () => {
    const m = await mirror('Garage');
    await pairWithGrace(m);
    expect(await m.unpair('confirm')).toEqual({ status: 409, body: { error: 'no unpair awaits confirmation: press "Unpair this mirror" first' } });

    expect((await m.unpair('request')).status).toBe(200);
    expect(await m.unpair('cancel')).toEqual({ status: 200, body: { cancelled: true } });
    await until('the question withdrawn', () => (m.lastLink()?.unpairConfirmUntil === undefined ? true : undefined));
    expect((await m.unpair('confirm')).status).toBe(409);

    expect(await m.unpair('yes please')).toEqual({ status: 400, body: { error: 'body must be {"step": "request" | "confirm" | "cancel"}' } });
    expect((await m.unpair('request', { origin: 'http://evil.example' })).status).toBe(403);
    const plain = await fetch(`${m.agent.url}api/pairing/unpair`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"step":"request"}' });
    expect(plain.status).toBe(415);
    expect((await fetch(`${m.agent.url}api/pairing/unpair`)).status).toBe(405);
    expect(m.lastLink()?.unpairConfirmUntil).toBeUndefined();
    expect((await tg.gateway.registry.bindingOf(m.deviceId))?.uid).toBe('uid-grace');
  }, 90_000);
});
