/**
 * QR pairing with the real agent: an unpaired mirror (agent with its credentials, TLS to the real
 * gateway) puts a code and its link on its live channel (what the mirror UI shows as a QR code);
 * the phone page in headless Chromium signs in (Auth emulator stand-in) and confirms; the agent is
 * greeted by name and its workouts land in that person's account.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveEvent } from '@pose-coach/protocol';
import { createAgent, type Agent } from '../src/agent/agent.ts';
import { agentConfigOnGateway } from './agentOnGateway.ts';
import { createSimulatedAthlete } from '../src/agent/simulatedAthlete.ts';
import { realCoach } from '../src/agent/sessionTracker.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { startAuthEmulator, type AuthEmulator } from '../../gateway/test/support/authEmulator.ts';
import { chromiumMissing, launchHeadlessPhone, signInOnPairingPage, type HeadlessPhone } from '../../gateway/test/support/headlessChromium.ts';
import { tempDir, waitUntil } from './outbox-fixtures.ts';

const until = <T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> => waitUntil<T>(what, get, ms);

type LinkEvent = Extract<LiveEvent, { type: 'link' }>;

describe.skipIf(chromiumMissing)('pairing the real agent from a phone', () => {
  let tg: TestGateway;
  let emulator: AuthEmulator;
  let phone: HeadlessPhone;
  let agent: Agent | undefined;
  const t = tempDir('pairing-agent');

  beforeAll(async () => {
    emulator = await startAuthEmulator(() => tg.tokens);
    tg = await startTestGateway({ FIREBASE_WEB_API_KEY: 'test-web-api-key', FIREBASE_AUTH_EMULATOR_URL: emulator.url, PAIRING_POLL_INTERVAL_S: 1 });
    emulator.addAccount({ uid: 'uid-grace', email: 'grace@example.com', password: 'cobol rules', displayName: 'Grace Hopper' });
    phone = await launchHeadlessPhone();
  }, 60_000);
  afterAll(async () => {
    await agent?.stop('test over');
    await phone?.close();
    await tg?.stop();
    await emulator?.close();
    t.cleanup();
  });

  it('shows a code while unpaired, greets the person who confirmed on the phone, and stores their workouts', async () => {
    const { deviceId, secret } = await tg.gateway.registry.create({ room: 'Studio' });
    const config = agentConfigOnGateway(tg, { deviceId, secret }, t.dir, { 'outbox.unpairedRetryS': 1, 'coach.idleEndS': 1 });
    const source = createSimulatedAthlete({ speed: 4, repsPerSet: 3, repPeriodS: 2, restS: 12 });
    agent = await createAgent({ config, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), source, createCoach: realCoach });
    const events: LiveEvent[] = [];
    const ws = new WebSocket(`${agent.url.replace('http', 'ws')}live`);
    ws.on('message', (d) => events.push(JSON.parse(d.toString()) as LiveEvent));
    await new Promise((r) => ws.once('open', r));
    const links = () => events.filter((e): e is LinkEvent => e.type === 'link');

    const shown = await until('a pairing code on the live channel', () => links().find((e) => e.pairingCode && e.pairingUrl));
    expect(shown.pairingCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(shown.paired).toBe(false);

    const page = await phone.open(shown.pairingUrl!);
    await signInOnPairingPage(page, 'grace@example.com', 'cobol rules');
    await page.waitForSelector('#confirm:not([hidden])', { timeout: 20_000 });
    expect(await page.textContent('#question')).toBe('Pair the mirror in Studio with Grace Hopper?');
    await page.click('#confirm-button');
    await page.waitForSelector('#done:not([hidden])');

    const greeted = await until('greeted by name', () => links().find((e) => e.paired === true));
    expect(greeted.displayName).toBe('Grace Hopper');
    expect(greeted.pairingCode).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain('uid-grace'); // the mirror never learns the uid

    const stored = await until('a workout in her account', async () => {
      const sessions = await tg.gateway.repositories.firestore.list('uid-grace');
      return sessions.length > 0 ? sessions : undefined;
    }, 60_000);
    expect(stored[0]).toMatchObject({ userId: 'uid-grace', deviceId });
    expect(phone.outside).toEqual([]);
    ws.close();
  }, 120_000);
});
