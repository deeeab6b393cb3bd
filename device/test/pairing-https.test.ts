/**
 * QR pairing over HTTPS, the gateway's CA pinned as for claims and releases: the real agent,
 * reaching the gateway only by https, shows a code, is claimed from the phone's API call and
 * greeted by name; the pairing client refuses a gateway whose certificate the pinned CA did not
 * sign, and an https gateway when no CA is configured.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveEvent } from '@pose-coach/protocol';
import { createAgent, type Agent } from '../src/agent/agent.ts';
import { createPairingClient } from '../src/pairing/pairingClient.ts';
import { agentConfigOnGateway, emptyRoom } from './agentOnGateway.ts';
import { realCoach } from '../src/agent/sessionTracker.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { loadOrCreateTlsCertificate } from '../../gateway/src/tlsCertificate.ts';
import { tempDir, waitUntil } from './outbox-fixtures.ts';

type LinkEvent = Extract<LiveEvent, { type: 'link' }>;

describe('QR pairing over HTTPS', () => {
  let tg: TestGateway;
  let agent: Agent | undefined;
  const t = tempDir('pairing-https');

  beforeAll(async () => {
    tg = await startTestGateway({ GATEWAY_HTTPS_PORT: 0, PAIRING_POLL_INTERVAL_S: 1 });
  }, 60_000);
  afterAll(async () => {
    await agent?.stop('test over');
    await tg?.stop();
    t.cleanup();
  });

  it('shows a code fetched over HTTPS with the pinned CA, and is greeted once the phone claims it', async () => {
    const { deviceId, secret } = await tg.gateway.registry.create({ room: 'Hall' });
    const https = `https://127.0.0.1:${tg.gateway.httpsPort}`;
    const config = agentConfigOnGateway(tg, { deviceId, secret }, t.dir, { 'mqtt.gatewayHttpUrl': https });
    agent = await createAgent({ config, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), source: emptyRoom, createCoach: realCoach });
    const events: LiveEvent[] = [];
    const ws = new WebSocket(`${agent.url.replace('http', 'ws')}live`);
    ws.on('message', (d) => events.push(JSON.parse(d.toString()) as LiveEvent));
    await new Promise((r) => ws.once('open', r));
    const links = () => events.filter((e): e is LinkEvent => e.type === 'link');

    const shown = await waitUntil('a pairing code', () => links().find((e) => e.pairingCode), 30_000);
    expect(shown.pairingUrl).toMatch(new RegExp(`^${https}/pair\\?code=`));
    const token = await tg.tokens.sign('uid-ada', { name: 'Ada Lovelace' });
    const res = await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/api/pairing/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_code: shown.pairingCode }),
    });
    expect(res.status).toBe(200);
    const greeted = await waitUntil('greeted by name', () => links().find((e) => e.paired === true), 30_000);
    expect(greeted.displayName).toBe('Ada Lovelace');
    ws.close();
  }, 60_000);

  it('refuses a gateway certificate the pinned CA did not sign, and https without a CA', async () => {
    const { deviceId, secret } = await tg.gateway.registry.create();
    const baseUrl = `https://127.0.0.1:${tg.gateway.httpsPort}`;
    const foreign = loadOrCreateTlsCertificate(join(t.dir, 'foreign-ca')).cert;
    await expect(createPairingClient({ baseUrl, deviceId, secret, ca: foreign }).authorize()).rejects.toThrow(/unreachable: .*(self.signed|verify)/i);
    await expect(createPairingClient({ baseUrl, deviceId, secret }).authorize()).rejects.toThrow(/uses TLS but no CA file is configured/);
    const ok = await createPairingClient({ baseUrl, deviceId, secret, ca: tg.gateway.caCert }).authorize();
    expect(ok.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
  });
});
