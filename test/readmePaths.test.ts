/**
 * README's documented paths, run as a newcomer runs them, against `npm start` alone (no test
 * gateway, no stand-ins): the real command in its own process group, stopped with Ctrl-C (SIGINT
 * to the group), its data under a temporary folder, a throwaway MariaDB database, a random Redis
 * prefix and free ports.
 *   1. `npm start -- --video ../shared/data/videos/squat_side.mp4` stores exactly one session of 3 reps;
 *   2. `npx pose-coach dev token <uid>` gives a token with which the API reads it;
 *   3. Ctrl-C adds nothing; after `npm start -- --unpaired --video …` the session is still there
 *      (the embedded Firestore kept it), and the mirror shows the pairing QR code and its link as text;
 *   4. the phone pairing page creates an account with the local sign-in and pairs the mirror in Chromium.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@pose-coach/cloud-sync/testing';
import { lanAddress } from '@pose-coach/gateway';
import { chromiumMissing, launchChromium } from '../gateway/test/support/headlessChromium.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLIP = resolve(ROOT, '../shared/data/videos/squat_side.mp4');
const haveClip = existsSync(CLIP);
if (!haveClip && process.env.CI === 'true') throw new Error(`${CLIP} is missing: CI needs ../shared/data`);
if (!haveClip) console.warn(`${CLIP} not found: skipping README's npm start paths`);
const ARTIFACTS = join(ROOT, 'test-artifacts/readme');

interface Running {
  proc: ChildProcess;
  out: string[];
  http: string;
  mirrorUi: string;
  phonePage: string;
  text(): string;
  /** Ctrl-C: SIGINT to the whole process group, as a terminal sends it. */
  stop(): Promise<number | null>;
}

describe.skipIf(!haveClip || chromiumMissing)("README's paths on one machine: npm start, dev token, restart, phone pairing", () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'pc-readme-'));
  const prefix = `pc-readme-${randomBytes(4).toString('hex')}`;
  const uid = `newcomer-${randomBytes(3).toString('hex')}`;
  let running: Running | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      ...process.env,
      GATEWAY_HTTP_PORT: '0',
      GATEWAY_MQTT_PORT: '0',
      GATEWAY_MQTTS_PORT: '0',
      GATEWAY_DATA_DIR: join(dir, 'gateway'),
      POSE_AGENT_DATA_DIR: join(dir, 'agent'),
      POSE_AGENT_HTTP_PORT: '0',
      MYSQL_URL: db.url,
      QUEUE_PREFIX: prefix,
      DEMO_UID: uid,
      LOG_LEVEL: 'info',
    };
    for (const k of ['AUTH_MODE', 'FIREBASE_JWKS_URL', 'FIREBASE_WEB_API_KEY', 'FIREBASE_AUTH_EMULATOR_URL', 'GOOGLE_APPLICATION_CREDENTIALS', 'FIRESTORE_EMULATOR_HOST', 'PAIRING_PUBLIC_URL']) delete env[k];
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** `npm start -- <args>` until its summary is printed. */
  async function npmStart(args: string[]): Promise<Running> {
    const proc = spawn('npm', ['start', '--silent', '--', ...args], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    proc.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    proc.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
    const text = () => out.join('');
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const summary = await Promise.race([
      (async () => {
        while (!/Stop with Ctrl-C/.test(text())) await new Promise((r) => setTimeout(r, 200));
        return text();
      })(),
      exited.then((code) => {
        throw new Error(`npm start exited (${code}) before it was ready:\n${text()}`);
      }),
    ]);
    const field = (re: RegExp) => {
      const m = re.exec(summary);
      if (!m) throw new Error(`not in the summary: ${re}\n${summary}`);
      return m[1]!;
    };
    return {
      proc,
      out,
      text,
      http: field(/HTTP API\s+(http:\/\/\S+)\/openapi\.json/),
      mirrorUi: field(/Mirror UI\s+(http:\/\/\S+)/),
      phonePage: field(/Phone pairing\s+(http:\/\/\S+)/),
      async stop() {
        if (proc.exitCode === null) process.kill(-proc.pid!, 'SIGINT');
        return exited;
      },
    };
  }

  const devToken = (who: string) => {
    const r = spawnSync(process.execPath, ['bin/pose-coach.js', 'dev', 'token', who], { cwd: ROOT, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  const sessionsOf = async (http: string, who: string, token = devToken(who)) => {
    const res = await fetch(`${http}/api/users/${who}/workout-sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { sessions: { sessionId: string; reps: number; exercise: string; simulated?: boolean }[] }).sessions;
  };
  const mysqlRows = async () => (await db.pool.query('SELECT session_id, reps, exercise FROM workout_sessions WHERE user_id = ?', [uid]))[0] as { session_id: string; reps: number; exercise: string }[];
  const until = async <T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}\n${running?.text().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  it('npm start -- --video squat_side.mp4 plays the clip once and stores exactly one session of 3 reps, which a dev token reads from the API', async () => {
    running = await npmStart(['--video', '../shared/data/videos/squat_side.mp4']);
    expect(running.text()).toMatch(/played once: the workout ends with the clip/);
    expect(running.text()).toMatch(/Sign-in\s+local sign-in \(no Firebase project configured\)/);
    // The clip ends, the session ends with it, and both stores hold it.
    await until('the clip to end', async () => running!.text(), (t) => /frame source ended/.test(t), 180_000);
    const rows = await until('the session in MySQL', mysqlRows, (r) => r.length > 0, 60_000);
    const sessions = await until('the session in Firestore', () => sessionsOf(running!.http, uid), (s) => s.length > 0, 30_000);
    // Nothing more comes: the clip is over (a few seconds for a second session that must not exist).
    await new Promise((r) => setTimeout(r, 3000));
    expect(await mysqlRows()).toHaveLength(1);
    expect(rows[0]).toMatchObject({ reps: 3, exercise: 'squat' });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ sessionId: rows[0]!.session_id, reps: 3, exercise: 'squat' });
    expect(sessions[0]!.simulated).toBeUndefined();
    // A token for somebody else reads nothing of this person's.
    expect((await fetch(`${running.http}/api/users/${uid}/workout-sessions`, { headers: { authorization: `Bearer ${devToken('somebody-else')}` } })).status).toBe(403);

    // Ctrl-C stores nothing more (npm itself ends by the signal; the appliance under it exits 0).
    await running.stop();
    expect(running.text()).not.toMatch(/failed to start|stopping the appliance/);
    running = undefined;
    expect(await mysqlRows()).toHaveLength(1);
  }, 420_000);

  it('after npm start -- --unpaired the session is still there, the mirror shows the QR code and its link, and the phone page signs up and pairs it', async () => {
    // The clip again, now unpaired: once it has played, the mirror rests on its idle screen with the QR code.
    running = await npmStart(['--unpaired', '--video', '../shared/data/videos/squat_side.mp4']);
    expect(running.text()).toMatch(/unpaired: the screen shows the pairing QR code/);
    // The embedded Firestore kept the session across the restart.
    const kept = await sessionsOf(running.http, uid);
    expect(kept.map((s) => s.reps)).toEqual([3]);

    const lan = lanAddress();
    if (lan) expect(new URL(running.phonePage).hostname).toBe(lan);
    const browser = await launchChromium();
    try {
      const mirror = await browser.context.newPage();
      await mirror.setViewportSize({ width: 1080, height: 1920 });
      await mirror.goto(running.mirrorUi);
      await mirror.waitForSelector('[data-testid="pairing-code"]', { timeout: 150_000 });
      const link = (await mirror.textContent('[data-testid="pairing-url"]'))!.trim();
      const code = (await mirror.textContent('[data-testid="pairing-code"]'))!.trim();
      expect(link).toMatch(/\/pair\?code=/);
      expect(new URL(link).searchParams.get('code')).toBe(code);
      if (lan) expect(new URL(link).hostname).toBe(lan);
      expect(await mirror.locator('.qr svg').count()).toBe(1);
      await mirror.screenshot({ path: join(ARTIFACTS, 'mirror-unpaired-qr.png') });

      // The phone opens the link from the QR code and creates an account with the local sign-in.
      const phone = await browser.context.newPage();
      await phone.setViewportSize({ width: 390, height: 760 });
      const elsewhere: string[] = [];
      phone.on('request', (r) => new URL(r.url()).origin !== new URL(link).origin && !r.url().startsWith('data:') && elsewhere.push(r.url()));
      await phone.goto(link);
      await phone.waitForSelector('#signup-button:not([hidden])', { timeout: 30_000 });
      await phone.fill('#email', 'ada@example.com');
      await phone.fill('#password', 'correct horse');
      await phone.fill('#display-name', 'Ada');
      await phone.click('#signup-button');
      await phone.waitForSelector('#confirm:not([hidden])', { timeout: 30_000 });
      expect(await phone.textContent('#question')).toBe('Pair the mirror in Living room with Ada?');
      await phone.click('#confirm-button');
      await phone.waitForSelector('#done:not([hidden])', { timeout: 30_000 });
      await phone.screenshot({ path: join(ARTIFACTS, 'phone-paired.png') });
      expect(elsewhere).toEqual([]); // the SDK talked to the gateway only

      // The mirror greets the person.
      await mirror.waitForSelector('[data-testid="pairing-code"]', { state: 'detached', timeout: 30_000 });
      await expect.poll(async () => (await mirror.textContent('body')) ?? '', { timeout: 30_000 }).toContain('Ada');
      await mirror.screenshot({ path: join(ARTIFACTS, 'mirror-paired.png') });
    } finally {
      await browser.close();
    }
    // Signing in again (a new browser, the same account) works: the account was kept.
    const signIn = await fetch(`${running.http}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=local-sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse', returnSecureToken: true }),
    });
    expect(signIn.status).toBe(200);
    const { idToken, localId } = (await signIn.json()) as { idToken: string; localId: string };
    // Her token reads her sessions (the clip played while unpaired waits in the mirror's outbox for her).
    expect(Array.isArray(await sessionsOf(running.http, localId, idToken))).toBe(true);
  }, 300_000);
});
