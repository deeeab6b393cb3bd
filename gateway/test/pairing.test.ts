/**
 * QR pairing through the gateway's API with a real MQTT client as the mirror: codes, claims,
 * refusals, attempt limits, foreign tokens, unpairing from every side, and re-pairing while
 * sessions are in flight.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { Redis } from 'ioredis';
import { runAdmin } from '../src/cli/admin.ts';
import { makeSession, REDIS_URL, startTestGateway, type TestGateway } from './support/testGateway.ts';
import { mirrorHttp, pairingMessages } from './support/pairingMirror.ts';

const CODE_PATTERN = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

describe('pairing a mirror by code', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ PAIRING_POLL_INTERVAL_S: 1, PAIRING_MAX_FAILURES: 10, PAIRING_CODE_ATTEMPTS: 10 });
  });
  afterAll(async () => t?.stop());

  it('lists the mirror and phone pairing calls in /openapi.json', async () => {
    const doc = (await t.gateway.api.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    const paths = Object.keys(doc.paths);
    for (const p of ['/device/pairing/authorize', '/device/pairing/token', '/device/pairing', '/api/pairing/claim', '/api/pairing/devices/{deviceId}', '/pair']) expect(paths).toContain(p);
  });

  const uid = () => `u-${randomBytes(5).toString('hex')}`;
  const phone = async (
    method: 'POST' | 'DELETE',
    url: string,
    who: string,
    payload?: unknown,
    opts: { name?: string; address?: string; key?: 'trusted' | 'foreign' } = {},
  ) => {
    const token = await t.tokens.sign(who, { name: opts.name ?? `Person ${who}`, key: opts.key });
    const res = await t.gateway.api.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      remoteAddress: opts.address ?? '127.0.0.1',
      ...(payload ? { payload: payload as object } : {}),
    });
    return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
  };
  const claim = (who: string, code: unknown, opts: Parameters<typeof phone>[4] = {}) => phone('POST', '/api/pairing/claim', who, { user_code: code }, opts);

  /** A new unpaired mirror in a room, its MQTT client, its pairing messages, its first code pair. */
  async function newMirror(room = 'Living room') {
    const { deviceId, secret } = await t.gateway.registry.create({ name: 'Hall mirror', room });
    const client = await t.connect(deviceId, secret);
    const messages = await pairingMessages(client, deviceId);
    const http = mirrorHttp(t, deviceId, secret);
    const grant = (await http.authorize()).body as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };
    return { deviceId, secret, client, messages, http, grant };
  }
  const bindingRow = async (deviceId: string) =>
    (await t.db.pool.query<RowDataPacket[]>('SELECT user_id, pairing_id FROM device_bindings WHERE device_id = ?', [deviceId]))[0][0];
  const deviceDoc = async (who: string, deviceId: string) => (await t.gateway.firestore.doc(`users/${who}/devices/${deviceId}`).get()).data();

  it('gives an authenticated mirror a code pair as RFC 8628 §3.2 describes, and keeps only a hash of the device code', async () => {
    const m = await newMirror();
    expect(m.grant.user_code).toMatch(CODE_PATTERN);
    expect(m.grant.device_code.length).toBeGreaterThanOrEqual(43);
    expect(m.grant.verification_uri).toBe(`http://127.0.0.1:${t.gateway.httpPort}/pair`);
    expect(m.grant.verification_uri_complete).toBe(`${m.grant.verification_uri}?code=${m.grant.user_code}`);
    expect(m.grant).toMatchObject({ expires_in: 600, interval: 1 });

    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${t.prefix}:pairing:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const dump = key + JSON.stringify((await redis.type(key)) === 'hash' ? await redis.hgetall(key) : await redis.get(key));
        expect(dump).not.toContain(m.grant.device_code);
      }
    } finally {
      redis.disconnect();
    }

    const wrongSecret = await mirrorHttp(t, m.deviceId, 'not-the-secret').authorize();
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client' });
  });

  it('answers polls with authorization_pending, slow_down (interval +5 s), and refuses bad grants', async () => {
    const m = await newMirror();
    const first = await m.http.poll(m.grant.device_code);
    expect(first).toMatchObject({ status: 400, body: { error: 'authorization_pending', interval: 1 } });
    const tooSoon = await m.http.poll(m.grant.device_code);
    expect(tooSoon).toMatchObject({ status: 400, body: { error: 'slow_down', interval: 6 } });
    expect((await m.http.poll(m.grant.device_code, 'password')).body).toMatchObject({ error: 'unsupported_grant_type' });
    const other = await newMirror();
    // Another mirror's device code is worth nothing to this one.
    expect((await m.http.poll(other.grant.device_code)).body).toMatchObject({ error: 'invalid_grant' });
  });

  it('pairs on a claim: profile, binding, history, Firestore device, retained message with the display name only, approved poll', async () => {
    const m = await newMirror('Living room');
    expect((await m.messages.until(() => true)).paired).toBe(false);
    const ada = uid();
    const lookup = await phone('POST', '/api/pairing/lookup', ada, { user_code: m.grant.user_code.toLowerCase() }, { name: 'Ada Lovelace' });
    expect(lookup).toMatchObject({ status: 200, body: { room: 'Living room', displayName: 'Ada Lovelace' } });

    const res = await claim(ada, m.grant.user_code, { name: 'Ada Lovelace' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deviceId: m.deviceId, room: 'Living room', displayName: 'Ada Lovelace' });
    const pairingId = res.body.pairingId as string;

    const message = await m.messages.until((x) => x.paired);
    expect(message).toEqual({ paired: true, displayName: 'Ada Lovelace', pairingId, at: expect.any(String) });
    expect(JSON.stringify(m.messages.seen)).not.toContain(ada);
    expect(JSON.stringify(m.messages.seen)).not.toMatch(/eyJ/); // no JWT

    expect(await bindingRow(m.deviceId)).toMatchObject({ user_id: ada, pairing_id: pairingId });
    const [profile] = (await t.db.pool.query<RowDataPacket[]>('SELECT display_name AS displayName FROM user_settings WHERE user_id = ?', [ada]))[0];
    expect(profile?.displayName).toBe('Ada Lovelace');
    expect(await deviceDoc(ada, m.deviceId)).toMatchObject({ deviceId: m.deviceId, room: 'Living room', pairingId, displayName: 'Ada Lovelace' });

    t.clock.advance(1000); // one interval, so this poll is not a slow_down
    expect(await m.http.poll(m.grant.device_code)).toEqual({ status: 200, body: { paired: true, display_name: 'Ada Lovelace', pairing_id: pairingId } });
  });

  it('answers wrong, malformed, used and replaced codes each in their own words', async () => {
    const m = await newMirror();
    const who = uid();
    const wrong = await claim(who, 'BBBB-BBBB', { address: '10.0.0.1' });
    expect(wrong).toMatchObject({ status: 404, body: { error: 'UNKNOWN_CODE', message: expect.stringMatching(/No mirror is showing this code/) } });
    const malformed = await claim(who, 'AEIO-1234', { address: '10.0.0.1' });
    expect(malformed).toMatchObject({ status: 400, body: { error: 'MALFORMED_CODE' } });

    expect((await claim(who, m.grant.user_code.replace('-', ' '))).status).toBe(200);
    const reused = await claim(uid(), m.grant.user_code);
    expect(reused).toMatchObject({ status: 409, body: { error: 'CODE_USED', message: expect.stringMatching(/already been used/) } });
    expect((await bindingRow(m.deviceId))?.user_id).toBe(who);

    // A mirror that asks again replaces its code: the old one is answered as expired.
    const n = await newMirror();
    const again = (await n.http.authorize()).body as { user_code: string };
    expect((await claim(uid(), n.grant.user_code)).body).toMatchObject({ error: 'CODE_EXPIRED', message: expect.stringMatching(/expired/) });
    expect((await claim(uid(), again.user_code)).status).toBe(200);
  });

  it('lets the person decline: the mirror hears access_denied and the code is spent', async () => {
    const m = await newMirror();
    const who = uid();
    expect((await phone('POST', '/api/pairing/deny', who, { user_code: m.grant.user_code })).status).toBe(200);
    expect((await m.http.poll(m.grant.device_code)).body).toMatchObject({ error: 'access_denied' });
    expect((await claim(who, m.grant.user_code)).body).toMatchObject({ error: 'CODE_USED' });
    expect(await bindingRow(m.deviceId)).toBeUndefined();
  });

  it('stops guessing: per address and per person after 10 wrong codes, with Retry-After, even for a right code', async () => {
    const m = await newMirror();
    const guessCode = () => Array.from({ length: 8 }, () => 'BCDFGHJKLMNPQRSTVWXZ'[Math.floor(Math.random() * 20)]).join('');
    // One address, many accounts.
    for (let i = 0; i < 10; i++) expect((await claim(uid(), guessCode(), { address: '10.1.1.1' })).status).toBe(404);
    const blocked = await claim(uid(), m.grant.user_code, { address: '10.1.1.1' });
    expect(blocked).toMatchObject({ status: 429, body: { error: 'TOO_MANY_ATTEMPTS' } });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // One account, many addresses.
    const mallory = uid();
    for (let i = 0; i < 10; i++) expect((await claim(mallory, guessCode(), { address: `10.2.0.${i}` })).status).toBe(404);
    expect((await claim(mallory, m.grant.user_code, { address: '10.2.1.1' })).status).toBe(429);
    // Nobody else is affected, and the code was never taken.
    expect((await claim(uid(), m.grant.user_code, { address: '10.3.0.1' })).status).toBe(200);
  });

  it('locks a code looked at too often (per-code limit) and tells the mirror to ask for a new one', async () => {
    const m = await newMirror();
    for (let i = 0; i < 10; i++) {
      expect((await phone('POST', '/api/pairing/lookup', uid(), { user_code: m.grant.user_code }, { address: `10.4.0.${i}` })).status).toBe(200);
    }
    const locked = await claim(uid(), m.grant.user_code, { address: '10.4.1.1' });
    expect(locked).toMatchObject({ status: 429, body: { error: 'TOO_MANY_ATTEMPTS', message: expect.stringMatching(/tried too many times/) } });
    expect((await m.http.poll(m.grant.device_code)).body).toMatchObject({ error: 'access_denied' });
    expect(await bindingRow(m.deviceId)).toBeUndefined();
  });

  it("refuses foreign tokens: a forged token cannot claim, another person cannot unpair someone's mirror", async () => {
    const m = await newMirror();
    const owner = uid();
    expect((await claim(owner, m.grant.user_code, { key: 'foreign' })).status).toBe(401);
    expect((await claim(owner, m.grant.user_code)).status).toBe(200);
    const intruder = uid();
    const res = await phone('DELETE', `/api/pairing/devices/${m.deviceId}`, intruder);
    expect(res).toMatchObject({ status: 403, body: { error: 'NOT_YOUR_MIRROR' } });
    expect((await bindingRow(m.deviceId))?.user_id).toBe(owner);
    expect(await deviceDoc(owner, m.deviceId)).toBeDefined();
  });

  it('unpairs from the phone, from the mirror and from the fleet side, each updating MySQL, Firestore and the retained message', async () => {
    const m = await newMirror();
    const pairAgain = async (who: string) => {
      const code = ((await m.http.authorize()).body as { user_code: string }).user_code;
      expect((await claim(who, code)).status).toBe(200);
      await m.messages.until((x) => x.paired);
      expect(await deviceDoc(who, m.deviceId)).toBeDefined();
      m.messages.clear();
    };
    const expectUnpaired = async (who: string) => {
      await m.messages.until((x) => !x.paired);
      expect(await bindingRow(m.deviceId)).toBeUndefined();
      await expect.poll(() => deviceDoc(who, m.deviceId), { timeout: 5000 }).toBeUndefined();
    };

    const a = uid();
    await pairAgain(a);
    expect((await phone('DELETE', `/api/pairing/devices/${m.deviceId}`, a)).status).toBe(200);
    await expectUnpaired(a);
    expect((await phone('DELETE', `/api/pairing/devices/${m.deviceId}`, a)).body).toMatchObject({ error: 'NOT_PAIRED' });

    await pairAgain(a);
    expect((await m.http.unpair()).status).toBe(200);
    await expectUnpaired(a);

    await pairAgain(a);
    const out: string[] = [];
    const saved = { ...process.env };
    Object.assign(process.env, { MYSQL_URL: t.db.url, REDIS_URL, QUEUE_PREFIX: t.prefix });
    try {
      expect(await runAdmin(['device', 'unbind', m.deviceId], (l) => out.push(l))).toBe(0);
    } finally {
      for (const k of ['MYSQL_URL', 'REDIS_URL', 'QUEUE_PREFIX']) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    }
    expect(out).toEqual([`mirror ${m.deviceId} unpaired`]);
    await expectUnpaired(a);

    const [history] = await t.db.pool.query<RowDataPacket[]>('SELECT unpaired_by FROM device_pairings WHERE device_id = ? ORDER BY paired_at, unpaired_by', [m.deviceId]);
    expect(history.map((r) => r.unpaired_by).sort()).toEqual(['admin', 'device', 'user']);
  });

  it('re-pairs to another person, and a session recorded under the first pairing still lands with the first person', async () => {
    const m = await newMirror();
    const ada = uid();
    const bob = uid();
    const adaPairing = (await claim(ada, m.grant.user_code, { name: 'Ada' })).body.pairingId as string;
    await m.messages.until((x) => x.pairingId === adaPairing);

    // Recorded while paired with Ada, still in the mirror's outbox when Bob takes over.
    const inFlight = makeSession({ pairingId: adaPairing });
    const code = ((await m.http.authorize()).body as { user_code: string }).user_code;
    const bobClaim = await claim(bob, code, { name: 'Bob' });
    expect(bobClaim.status).toBe(200);
    const bobPairing = bobClaim.body.pairingId as string;
    expect((await m.messages.until((x) => x.pairingId === bobPairing)).displayName).toBe('Bob');
    await expect.poll(() => deviceDoc(ada, m.deviceId), { timeout: 5000 }).toBeUndefined();
    expect(await deviceDoc(bob, m.deviceId)).toMatchObject({ pairingId: bobPairing });

    const bobs = makeSession({ pairingId: bobPairing });
    const unstamped = makeSession();
    for (const s of [inFlight, bobs, unstamped]) expect((await t.publishSession(m.client, m.deviceId, s)).map((a) => a.status)).toEqual(['queued', 'stored']);
    const owner = async (sessionId: string) =>
      (await t.db.pool.query<RowDataPacket[]>('SELECT user_id FROM workout_sessions WHERE session_id = ?', [sessionId]))[0][0]?.user_id;
    expect(await owner(inFlight.sessionId)).toBe(ada);
    expect((await t.gateway.firestore.doc(`users/${ada}/workoutSessions/${inFlight.sessionId}`).get()).exists).toBe(true);
    expect(await owner(bobs.sessionId)).toBe(bob);
    expect(await owner(unstamped.sessionId)).toBe(bob);

    // Even after Bob unpairs, Ada's old session still finds her; a pairing of another mirror is refused.
    expect((await m.http.unpair()).status).toBe(200);
    const late = makeSession({ pairingId: adaPairing });
    expect((await t.publishSession(m.client, m.deviceId, late)).map((a) => a.status)).toEqual(['queued', 'stored']);
    expect(await owner(late.sessionId)).toBe(ada);
    const other = await newMirror();
    const otherPairing = (await claim(uid(), other.grant.user_code)).body.pairingId as string;
    const forged = makeSession({ pairingId: otherPairing });
    expect(await t.publishSession(m.client, m.deviceId, forged)).toEqual([{ sessionId: forged.sessionId, status: 'rejected', error: 'pairingId: not a pairing of this mirror' }]);
  });
});

describe('a pairing code that runs out', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ PAIRING_CODE_TTL_S: 1, PAIRING_POLL_INTERVAL_S: 1 });
  });
  afterAll(async () => t?.stop());

  it('is answered as expired to the phone and expired_token to the mirror', async () => {
    const { deviceId, secret } = await t.gateway.registry.create({ room: 'Gym' });
    const http = mirrorHttp(t, deviceId, secret);
    const grant = (await http.authorize()).body as { device_code: string; user_code: string; expires_in: number };
    expect(grant.expires_in).toBe(1);
    t.clock.advance(1200); // past the code's one-second life
    const token = await t.tokens.sign('late-person');
    const res = await t.gateway.api.inject({ method: 'POST', url: '/api/pairing/claim', headers: { authorization: `Bearer ${token}` }, payload: { user_code: grant.user_code } });
    expect(res.statusCode).toBe(410);
    expect(res.json()).toMatchObject({ error: 'CODE_EXPIRED', message: expect.stringMatching(/expired/) });
    expect((await http.poll(grant.device_code)).body).toMatchObject({ error: 'expired_token' });
    expect(await t.gateway.registry.bindingOf(deviceId)).toBeUndefined();
  });
});

describe("pairing beside the original backend's profiles table (VARCHAR(36), latin1, case-insensitive)", () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({}, {
      // The seed's table exists before the gateway's migrations run, in an older server's defaults.
      beforeMigrations: async (db) => {
        await db.pool.query('CREATE TABLE user_health_profiles (userId VARCHAR(36) NOT NULL PRIMARY KEY, age INT NULL) DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci');
      },
    });
  });
  afterAll(async () => t?.stop());

  it('refuses, storing nothing, an account id the table cannot hold as itself (too long, not latin1, differing only in case), and the code still pairs an account it can', async () => {
    const { deviceId, secret } = await t.gateway.registry.create({ room: 'Hall' });
    const grant = (await mirrorHttp(t, deviceId, secret).authorize()).body as { user_code: string };
    const claimAs = async (who: string) => {
      const token = await t.tokens.sign(who, { name: 'Someone' });
      const res = await t.gateway.api.inject({ method: 'POST', url: '/api/pairing/claim', headers: { authorization: `Bearer ${token}` }, payload: { user_code: grant.user_code } });
      return { status: res.statusCode, body: res.json() as Record<string, unknown> };
    };
    const rowsLike = async (who: string) =>
      (await t.db.pool.query<RowDataPacket[]>('SELECT userId FROM user_health_profiles WHERE userId LIKE ?', [`${who.slice(0, 8)}%`]))[0].length;

    await t.db.pool.query("INSERT INTO user_health_profiles (userId) VALUES ('CaseOnlyUid')");
    const refused = [
      ['too long', 'u'.repeat(40), /40 characters.*at most 36/],
      ['not latin1', 'użytkownik-ł', /characters .*latin1/],
      ['differing only in case', 'caseonlyuid', /differs only in letter case/],
    ] as const;
    for (const [why, who, says] of refused) {
      const res = await claimAs(who);
      expect(res, why).toMatchObject({ status: 422, body: { error: 'ACCOUNT_NOT_STORABLE', message: expect.stringMatching(says) } });
      expect(await t.gateway.registry.bindingOf(deviceId), why).toBeUndefined();
    }
    // Nothing half-written: no truncated or '?'-mangled profile rows, the other person's row untouched.
    expect(await rowsLike('uuuuuuuu')).toBe(0);
    expect(await rowsLike('u?ytkown')).toBe(0);
    const [[caseRow]] = await t.db.pool.query<RowDataPacket[]>("SELECT CONVERT(userId USING utf8mb4) AS uid FROM user_health_profiles WHERE userId = 'caseonlyuid'");
    expect(caseRow?.uid).toBe('CaseOnlyUid');

    // The code was given back each time: an account the table can hold pairs with it.
    const ok = await claimAs('FirebaseUid28charsAbCdEfGhIj');
    expect(ok.status).toBe(200);
    expect(await t.gateway.registry.bindingOf(deviceId)).toMatchObject({ uid: 'FirebaseUid28charsAbCdEfGhIj' });
  });
});
