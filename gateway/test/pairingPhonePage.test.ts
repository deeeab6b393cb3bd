/**
 * The whole QR pairing as a person does it: a mirror (real MQTT client, RFC 8628 calls) asks for
 * a code; the phone page, served by the gateway and driven in headless Chromium, signs in with the
 * Firebase JS SDK against the Auth emulator stand-in, asks "Pair the mirror in <room> with <name>?",
 * and pairs on confirm; the mirror greets the person and its next workout lands in their account.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchHeadlessPhone, signInOnPairingPage, type HeadlessPhone } from './support/headlessChromium.ts';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';
import { startAuthEmulator, type AuthEmulator } from './support/authEmulator.ts';
import { mirrorHttp, pairingMessages } from './support/pairingMirror.ts';

describe.skipIf(chromiumMissing)('the phone pairing page in headless Chromium', () => {
  let t: TestGateway;
  let emulator: AuthEmulator;
  let phone: HeadlessPhone;

  beforeAll(async () => {
    emulator = await startAuthEmulator(() => t.tokens);
    t = await startTestGateway({ FIREBASE_WEB_API_KEY: 'test-web-api-key', FIREBASE_AUTH_EMULATOR_URL: emulator.url, PAIRING_POLL_INTERVAL_S: 1 });
    emulator.addAccount({ uid: 'uid-ada', email: 'ada@example.com', password: 'correct horse', displayName: 'Ada Lovelace' });
    phone = await launchHeadlessPhone(); // a fresh profile: nobody signed in
  }, 60_000);
  afterAll(async () => {
    await phone?.close();
    await t?.stop();
    await emulator?.close();
  });
  const openPage = (url: string) => phone.open(url);

  it('signs in, asks to pair the mirror in its room with the person, pairs it, and the next workout is theirs', async () => {
    const { deviceId, secret } = await t.gateway.registry.create({ name: 'Hall mirror', room: 'Living room' });
    const client = await t.connect(deviceId, secret);
    const messages = await pairingMessages(client, deviceId);
    const mirror = mirrorHttp(t, deviceId, secret);
    const grant = (await mirror.authorize()).body as { device_code: string; user_code: string; verification_uri_complete: string };
    expect((await mirror.poll(grant.device_code)).body).toMatchObject({ error: 'authorization_pending' });

    const page = await openPage(grant.verification_uri_complete);
    await signInOnPairingPage(page, 'ada@example.com', 'wrong password');
    await page.waitForSelector('#message.error');
    expect(await page.textContent('#message')).toBe('Wrong email or password.');

    await signInOnPairingPage(page, 'ada@example.com', 'correct horse');
    await page.waitForSelector('#confirm:not([hidden])', { timeout: 20_000 });
    expect(await page.textContent('#question')).toBe('Pair the mirror in Living room with Ada Lovelace?');
    await page.screenshot({ path: join(tmpdir(), 'pose-coach-pairing-confirm.png') });

    await page.click('#confirm-button');
    await page.waitForSelector('#done:not([hidden])');
    expect(await page.textContent('#done-text')).toMatch(/^Paired\. The mirror in Living room now greets you as Ada Lovelace/);
    await page.screenshot({ path: join(tmpdir(), 'pose-coach-pairing-done.png') });

    const greeting = await messages.until((m) => m.paired);
    expect(greeting).toMatchObject({ paired: true, displayName: 'Ada Lovelace' });
    expect(JSON.stringify(messages.seen)).not.toContain('uid-ada');
    t.clock.advance(1000); // one poll interval, so this poll is not a slow_down
    expect(await mirror.poll(grant.device_code)).toMatchObject({ status: 200, body: { paired: true, display_name: 'Ada Lovelace', pairing_id: greeting.pairingId } });

    const session = makeSession({ pairingId: greeting.pairingId });
    expect((await t.publishSession(client, deviceId, session)).map((a) => a.status)).toEqual(['queued', 'stored']);
    expect((await t.gateway.firestore.doc(`users/uid-ada/workoutSessions/${session.sessionId}`).get()).exists).toBe(true);
    expect((await t.gateway.firestore.doc(`users/uid-ada/devices/${deviceId}`).get()).data()).toMatchObject({ room: 'Living room' });

    // The SDK talked to the stand-in with the Auth emulator's REST protocol, and to nothing outside.
    expect(emulator.requests).toContain('/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword');
    expect(emulator.requests).toContain('/identitytoolkit.googleapis.com/v1/accounts:lookup');
    expect(phone.outside).toEqual([]);

    // Unpair from the same page.
    messages.clear();
    await page.click('#unpair-button');
    await page.waitForFunction(() => document.getElementById('message')?.textContent?.startsWith('Unpaired'));
    expect((await messages.until((m) => !m.paired)).paired).toBe(false);
    expect(await t.gateway.registry.bindingOf(deviceId)).toBeUndefined();
  }, 90_000);

  it('shows a used code in plain words, and asks for the code when the link has none', async () => {
    const { deviceId, secret } = await t.gateway.registry.create({ room: 'Bedroom' });
    const mirror = mirrorHttp(t, deviceId, secret);
    const grant = (await mirror.authorize()).body as { user_code: string; verification_uri: string; verification_uri_complete: string };
    const token = await t.tokens.sign('uid-someone-else', { name: 'Someone' });
    const taken = await t.gateway.api.inject({ method: 'POST', url: '/api/pairing/claim', headers: { authorization: `Bearer ${token}` }, payload: { user_code: grant.user_code } });
    expect(taken.statusCode).toBe(200);

    // Ada is still signed in from the first test (the SDK keeps the session in the profile).
    const page = await openPage(grant.verification_uri);
    await page.waitForSelector('#enter-code:not([hidden])', { timeout: 20_000 });
    expect(await page.isHidden('#signin')).toBe(true);
    await page.fill('#code', grant.user_code.toLowerCase());
    await page.click('#code-form button');
    await page.waitForSelector('#message.error');
    expect(await page.textContent('#message')).toMatch(/already been used/);
    expect((await t.gateway.registry.bindingOf(deviceId))?.uid).toBe('uid-someone-else');
    expect(phone.outside).toEqual([]);
  }, 60_000);
});
