/**
 * The embedded local sign-in as the Firebase JS SDK and scripts use it, over real HTTP on the
 * gateway's own port: accounts made and signed in with the Auth emulator's REST calls, tokens
 * the API accepts, refresh, refusals in the SDK's own words; the key and the accounts kept under
 * the data dir across a restart; `pose-coach dev token` signing with that key, and refusing when
 * a real Firebase project is configured; the phone app in Chromium signing up against it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { chromiumMissing, launchHeadlessPhone } from './support/headlessChromium.ts';
import { buildPhoneApp } from './support/phoneAppBuild.ts';
import { startTestGateway, type TestGateway } from './support/testGateway.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'pc-local-auth-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const local = () => startTestGateway({ AUTH_MODE: 'local', GATEWAY_DATA_DIR: dataDir, FIREBASE_PROJECT_ID: 'pose-coach-dev' });

async function call(t: TestGateway, op: string, body: Record<string, unknown>) {
  const url = op === 'token' ? `http://127.0.0.1:${t.gateway.httpPort}/securetoken.googleapis.com/v1/token?key=x` : `http://127.0.0.1:${t.gateway.httpPort}/identitytoolkit.googleapis.com/v1/accounts:${op}?key=x`;
  const res = await fetch(url, op === 'token' ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body as Record<string, string>) } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const sessions = (t: TestGateway, uid: string, token: string) => fetch(`http://127.0.0.1:${t.gateway.httpPort}/api/users/${uid}/workout-sessions`, { headers: { authorization: `Bearer ${token}` } });

describe('the local sign-in (Firebase Auth emulator protocol on the gateway)', () => {
  let uid = '';
  let firstToken = '';

  it('makes an account, signs it in, names it, refreshes its token, and the API accepts the tokens', async () => {
    const t = await local();
    try {
      expect(t.gateway.auth.mode).toBe('local');
      const up = await call(t, 'signUp', { email: 'Grace@Example.com', password: 'hopper1906', returnSecureToken: true });
      expect(up.status).toBe(200);
      uid = up.body.localId;
      expect(decodeJwt(up.body.idToken)).toMatchObject({ sub: uid, aud: 'pose-coach-dev', iss: 'https://securetoken.google.com/pose-coach-dev', email: 'grace@example.com' });
      expect((await sessions(t, uid, up.body.idToken)).status).toBe(200);
      expect((await sessions(t, 'somebody-else', up.body.idToken)).status).toBe(403);

      expect((await call(t, 'signUp', { email: 'grace@example.com', password: 'another1' })).body.error.message).toBe('EMAIL_EXISTS');
      expect((await call(t, 'signUp', { email: 'ada@example.com', password: '123' })).body.error.message).toMatch(/^WEAK_PASSWORD/);
      expect((await call(t, 'signInWithPassword', { email: 'grace@example.com', password: 'wrong' })).body.error.message).toBe('INVALID_LOGIN_CREDENTIALS');

      const signedIn = await call(t, 'signInWithPassword', { email: 'grace@example.com', password: 'hopper1906', returnSecureToken: true });
      expect(signedIn.body).toMatchObject({ localId: uid, registered: true });
      const named = await call(t, 'update', { idToken: signedIn.body.idToken, displayName: 'Grace Hopper', returnSecureToken: true });
      expect(decodeJwt(named.body.idToken).name).toBe('Grace Hopper');
      expect((await call(t, 'lookup', { idToken: named.body.idToken })).body.users[0]).toMatchObject({ localId: uid, email: 'grace@example.com', displayName: 'Grace Hopper' });
      expect((await call(t, 'lookup', { idToken: 'not-a-token' })).body.error.message).toBe('INVALID_ID_TOKEN');

      const refreshed = await call(t, 'token', { grant_type: 'refresh_token', refresh_token: signedIn.body.refreshToken });
      expect(refreshed.body).toMatchObject({ user_id: uid, token_type: 'Bearer' });
      expect((await sessions(t, uid, refreshed.body.id_token)).status).toBe(200);
      expect((await call(t, 'token', { grant_type: 'refresh_token', refresh_token: 'made-up' })).body.error.message).toBe('INVALID_REFRESH_TOKEN');
      // CORS as the emulator answers it: a page on another origin may call it.
      const pre = await fetch(`http://127.0.0.1:${t.gateway.httpPort}/identitytoolkit.googleapis.com/v1/accounts:signUp`, { method: 'OPTIONS', headers: { origin: 'http://phone.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-client-version' } });
      expect(pre.headers.get('access-control-allow-origin')).toBe('http://phone.example');
      firstToken = refreshed.body.id_token;
      // Secrets stay private to the gateway's user.
      expect(statSync(join(dataDir, 'local-auth/signing-key.json')).mode & 0o077).toBe(0);
      expect(statSync(join(dataDir, 'local-auth/accounts.json')).mode & 0o077).toBe(0);
    } finally {
      await t.stop();
    }
  });

  it('keeps the key and the accounts across a restart; dev token signs with that key', async () => {
    const t = await local();
    try {
      expect((await sessions(t, uid, firstToken)).status).toBe(200); // a token from before the restart
      expect((await call(t, 'signInWithPassword', { email: 'grace@example.com', password: 'hopper1906' })).body.localId).toBe(uid);
      const r = spawnSync(process.execPath, ['bin/pose-coach.js', 'dev', 'token', uid], { cwd: ROOT, env: { ...process.env, GATEWAY_DATA_DIR: dataDir, FIREBASE_PROJECT_ID: 'pose-coach-dev', AUTH_MODE: '' }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const token = r.stdout.trim();
      expect(decodeJwt(token)).toMatchObject({ sub: uid, name: 'Grace Hopper' });
      expect((await sessions(t, uid, token)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('does not exist, and dev token refuses naming why, when a real Firebase project is configured', async () => {
    const t = await startTestGateway({ GATEWAY_DATA_DIR: dataDir }); // the tests' own key set: FIREBASE_JWKS_URL is set
    try {
      expect(t.gateway.auth).toMatchObject({ mode: 'firebase', why: 'FIREBASE_JWKS_URL is set' });
      expect((await call(t, 'signInWithPassword', { email: 'grace@example.com', password: 'hopper1906' })).status).toBe(404);
      const r = spawnSync(process.execPath, ['bin/pose-coach.js', 'dev', 'token', uid], { cwd: ROOT, env: { ...process.env, GATEWAY_DATA_DIR: dataDir, GOOGLE_APPLICATION_CREDENTIALS: '/etc/service-account.json' }, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/refused: the gateway is configured for a real Firebase project \(GOOGLE_APPLICATION_CREDENTIALS is set\)/);
      expect(r.stdout).toBe('');
    } finally {
      await t.stop();
    }
  });
});

describe.skipIf(chromiumMissing)('the phone app on the local sign-in (what `npm start` serves)', () => {
  it('is configured without a Firebase project: makes an account on the gateway, signs in and opens the workouts', async () => {
    const app = await buildPhoneApp();
    const t = await startTestGateway({ AUTH_MODE: 'local', GATEWAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'pc-local-app-')), PHONE_APP_DIR: app.dir });
    const phone = await launchHeadlessPhone();
    try {
      const settings = await (await fetch(`http://127.0.0.1:${t.gateway.httpPort}/app/config.json`)).json();
      expect(settings).toMatchObject({ apiKey: expect.any(String), localAuth: true });
      const page = await phone.open(`http://127.0.0.1:${t.gateway.httpPort}/app/`);
      await page.waitForSelector('#signup-button');
      await page.fill('#email', 'ada@example.com');
      await page.fill('#password', 'analytical1843');
      await page.click('#signup-button');
      await page.waitForSelector('#stats', { timeout: 20_000 });
      // The account lives on the gateway: the REST sign-in knows it.
      expect((await call(t, 'signInWithPassword', { email: 'ada@example.com', password: 'analytical1843' })).body.localId).toEqual(expect.any(String));
      // A second account with the same email is refused in the person's words.
      await page.goto(`http://127.0.0.1:${t.gateway.httpPort}/app/#/data`);
      await page.click('#sign-out');
      await page.waitForSelector('#signup-button');
      await page.fill('#email', 'ada@example.com');
      await page.fill('#password', 'another-one');
      await page.click('#signup-button');
      await page.waitForFunction(() => /exists: sign in instead/.test(document.getElementById('signin-message')?.textContent ?? ''));
      expect(phone.outside).toEqual([]);
    } finally {
      await phone.close();
      await t.stop();
      app.cleanup();
    }
  }, 120_000);
});
