/**
 * The mirror's pairing flow against the real gateway: a real MQTT client feeds it the retained
 * `pairing` messages, it asks for codes and polls over HTTP with the device's credentials, a phone
 * (an API call with an ID token) claims the code shown, and the glass's two-step unpair works.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor, type PairingMessage } from '@pose-coach/protocol';
import { createPairingClient, createPairingFlow, gatewayHttpUrlFrom, type PairingClient, type PairingView } from '../src/pairing/index.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { waitUntil } from './outbox-fixtures.ts';

const until = <T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> => waitUntil<T>(what, get, ms);

async function mirrorWithFlow(t: TestGateway, room: string, flowOpts: { confirmWindowMs?: number } = {}) {
  const { deviceId, secret } = await t.gateway.registry.create({ room });
  const client = await t.connect(deviceId, secret);
  const views: PairingView[] = [];
  const polls: string[] = [];
  const http = createPairingClient({ baseUrl: `http://127.0.0.1:${t.gateway.httpPort}`, deviceId, secret });
  // Count what the gateway answered to each poll.
  const counted: PairingClient = { ...http, poll: async (c) => { const r = await http.poll(c); polls.push(r.kind); return r; } };
  const flow = createPairingFlow({ client: counted, log: pino({ level: 'silent' }), onChange: (v) => views.push(v), retryMs: 200, ...flowOpts });
  client.on('message', (topic, payload) => {
    if (topic !== topicFor('pairing', deviceId)) return;
    const m = JSON.parse(payload.toString()) as PairingMessage;
    flow.setPaired(m.paired, m.displayName);
  });
  await client.subscribeAsync(topicFor('pairing', deviceId), { qos: 1 });
  const codeShown = (not?: string) =>
    until('a code on the glass', () => {
      const v = flow.view();
      return v.kind === 'showing-code' && v.code !== not ? v : undefined;
    });
  return { deviceId, flow, views, polls, codeShown };
}

describe('the mirror pairing flow', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ PAIRING_POLL_INTERVAL_S: 1 });
  });
  afterAll(async () => t?.stop());

  const claim = async (uid: string, code: string, name: string) => {
    const token = await t.tokens.sign(uid, { name });
    return t.gateway.api.inject({ method: 'POST', url: '/api/pairing/claim', headers: { authorization: `Bearer ${token}` }, payload: { user_code: code } });
  };

  it('shows a code when unpaired, is greeted by name once a phone claims it, and never polls too fast', async () => {
    const m = await mirrorWithFlow(t, 'Kitchen');
    const shown = await m.codeShown();
    expect(shown.code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(shown.url).toBe(`http://127.0.0.1:${t.gateway.httpPort}/pair?code=${shown.code}`);
    await until('a pending poll', () => (m.polls.includes('pending') ? true : undefined));

    expect((await claim('uid-grace', shown.code, 'Grace Hopper')).statusCode).toBe(200);
    const paired = await until('paired', () => (m.flow.view().kind === 'paired' ? m.flow.view() : undefined));
    expect(paired).toEqual({ kind: 'paired', displayName: 'Grace Hopper' });
    expect(m.polls).not.toContain('slow_down');
    m.flow.stop();
  });

  it('unpairs from the glass only after a confirmation within the window, then shows a new code', async () => {
    const m = await mirrorWithFlow(t, 'Bedroom', { confirmWindowMs: 300 });
    const first = await m.codeShown();
    expect((await claim('uid-linus', first.code, 'Linus')).statusCode).toBe(200);
    await until('paired', () => (m.flow.view().kind === 'paired' ? true : undefined));

    // Confirming without asking, or too late, does nothing.
    expect(await m.flow.confirmUnpair()).toBe(false);
    expect(m.flow.requestUnpair()).toMatchObject({ kind: 'confirm-unpair', displayName: 'Linus' });
    // Unanswered, the question leaves the glass when its window closes.
    await until('the confirmation window to close', () => (m.flow.view().kind === 'paired' ? true : undefined));
    expect(await m.flow.confirmUnpair()).toBe(false);
    expect((await t.gateway.registry.bindingOf(m.deviceId))?.uid).toBe('uid-linus');

    m.flow.requestUnpair();
    expect(await m.flow.confirmUnpair()).toBe(true);
    const next = await m.codeShown(first.code);
    expect(next.code).not.toBe(first.code);
    expect(await t.gateway.registry.bindingOf(m.deviceId)).toBeUndefined();
    m.flow.stop();
  });

  it('derives the gateway HTTP address from the MQTT URL', () => {
    expect(gatewayHttpUrlFrom('mqtts://gateway.local:8883')).toBe('http://gateway.local:8080');
    expect(gatewayHttpUrlFrom('mqtt://[::1]:1884', 9000)).toBe('http://[::1]:9000');
  });
});

describe('a mirror whose code runs out', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ PAIRING_CODE_TTL_S: 2, PAIRING_POLL_INTERVAL_S: 1 });
  });
  afterAll(async () => t?.stop());

  it('asks for a fresh code by itself', async () => {
    const m = await mirrorWithFlow(t, 'Garage');
    const first = await m.codeShown();
    const second = await m.codeShown(first.code);
    expect(second.code).not.toBe(first.code);
    m.flow.stop();
  });
});
