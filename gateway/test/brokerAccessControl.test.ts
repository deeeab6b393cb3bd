import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { topicFor } from '@pose-coach/protocol';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';

describe('the broker lets each mirror touch only its own topics', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.stop());

  function connectResult(opts: mqtt.IClientOptions, url = `mqtt://127.0.0.1:${t.gateway.mqttPort}`): Promise<'connected' | string> {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    return new Promise((resolve) => {
      client.once('connect', () => {
        client.end(true);
        resolve('connected');
      });
      client.once('error', (err) => {
        client.end(true);
        resolve(err.message);
      });
    });
  }

  it('refuses wrong credentials at CONNECT', async () => {
    const { deviceId, secret } = await t.provision();
    expect(await connectResult({ clientId: deviceId, username: deviceId, password: secret })).toBe('connected');
    expect(await connectResult({ clientId: deviceId, username: deviceId, password: 'not-the-secret' })).toMatch(/Bad username or password/i);
    expect(await connectResult({ clientId: 'ghost', username: 'ghost', password: secret })).toMatch(/Bad username or password/i);
    expect(await connectResult({ clientId: 'anon' })).toMatch(/Bad username or password/i);
  });

  it("refuses a client id that is another mirror's", async () => {
    const a = await t.provision();
    const b = await t.provision();
    expect(await connectResult({ clientId: b.deviceId, username: a.deviceId, password: a.secret })).toMatch(/Not authorized/i);
  });

  it('refuses a subscription outside the own tree but keeps the client connected', async () => {
    const a = await t.provision();
    const b = await t.provision();
    const client = await t.connect(a.deviceId, a.secret);
    const granted = await new Promise<number[]>((resolve) =>
      client.subscribe([`mirrors/${b.deviceId}/#`, '#', `mirrors/${a.deviceId}/pairing`], { qos: 1 }, (err, g) =>
        // mqtt.js reports any refused filter as an error carrying the SUBACK's return codes.
        resolve(((err as { packet?: { granted: number[] } } | null)?.packet?.granted ?? g?.map((x) => x.qos)) as number[]),
      ),
    );
    expect(granted).toEqual([128, 128, 1]);
    expect(client.connected).toBe(true);
  });

  it("disconnects a mirror publishing into another's tree, while others keep being served", async () => {
    const a = await t.provision();
    const b = await t.provision();
    const intruder = await t.connect(a.deviceId, a.secret);
    const bystander = await t.connect(b.deviceId, b.secret);
    const closed = new Promise<void>((r) => intruder.once('close', () => r()));
    intruder.publish(topicFor('sessions', b.deviceId), JSON.stringify(makeSession()), { qos: 1 });
    await closed;
    expect(intruder.connected).toBe(false);
    // The other mirror's session still flows end to end.
    const acks = await t.publishSession(bystander, b.deviceId, makeSession());
    expect(acks.at(-1)!.status).toBe('stored');
  });

  it('refuses a mirror publishing on a gateway-to-device topic of its own tree', async () => {
    const a = await t.provision();
    const client = await t.connect(a.deviceId, a.secret);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(topicFor('pairing', a.deviceId), JSON.stringify({ paired: true, displayName: 'me' }), { qos: 1, retain: true });
    await closed;
    expect(client.connected).toBe(false);
  });

  it('serves MQTT over TLS to a client that pins the gateway certificate', async () => {
    const { deviceId, secret } = await t.provision();
    const client = mqtt.connect(`mqtts://127.0.0.1:${t.gateway.mqttsPort}`, {
      clientId: deviceId, username: deviceId, password: secret, ca: t.gateway.caCert, reconnectPeriod: 0, connectTimeout: 5000,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(topicFor('sessionsAck', deviceId), { qos: 1 });
    const acks = await t.publishSession(client, deviceId, makeSession());
    expect(acks.at(-1)!.status).toBe('stored');
    await client.endAsync(true);
  });

  it('refuses a TLS client that does not trust the certificate', async () => {
    const { deviceId, secret } = await t.provision();
    expect(
      await connectResult({ clientId: deviceId, username: deviceId, password: secret }, `mqtts://127.0.0.1:${t.gateway.mqttsPort}`),
    ).toMatch(/self[- ]signed|certificate/i);
  });
});
