/**
 * The retained messages a mirror gets on SUBSCRIBE (one gateway, broker in memory): exact topics
 * come from the gateway's index (broker/retainedIndex.ts), a filter with a wildcard from aedes'
 * own scan, and a retained message cleared (empty payload) is gone from both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor } from '@pose-coach/protocol';
import { startTestGateway, type TestGateway } from './support/testGateway.ts';

type Persistence = { createRetainedStreamCombi(patterns: string[]): AsyncIterable<{ topic: string; payload: Buffer }> };

/** What the broker would send a new subscription to `filters`, read to its end. */
async function retained(t: TestGateway, filters: string[]): Promise<Map<string, string>> {
  const persistence = (t.gateway.broker.aedes as unknown as { persistence: Persistence }).persistence;
  const got = new Map<string, string>();
  for await (const p of persistence.createRetainedStreamCombi(filters)) got.set(p.topic, p.payload.toString());
  return got;
}

describe('retained messages on subscribe', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.stop());

  it('serves an exact topic from the index, a wildcard filter from the scan, and neither once cleared', async () => {
    const m = await t.provision();
    const pairing = topicFor('pairing', m.deviceId);
    const desired = topicFor('configDesired', m.deviceId);
    await t.gateway.broker.publish(pairing, JSON.stringify({ paired: true, displayName: 'Index' }), { retain: true });
    await t.gateway.broker.publish(desired, JSON.stringify({ version: 7, config: {} }), { retain: true });
    const exact = await retained(t, [pairing]);
    expect([...exact.keys()]).toEqual([pairing]);
    expect(JSON.parse(exact.get(pairing)!)).toMatchObject({ displayName: 'Index' });
    expect(new Set((await retained(t, [`mirrors/${m.deviceId}/#`])).keys())).toEqual(new Set([pairing, desired]));

    await t.gateway.broker.publish(pairing, '', { retain: true });
    expect((await retained(t, [pairing])).size).toBe(0);
    expect([...(await retained(t, [`mirrors/${m.deviceId}/#`])).keys()]).toEqual([desired]);

    // And over MQTT: a mirror subscribing to its exact topic gets the retained message. The
    // gateway re-sends the pairing state when a mirror connects: that lands first, then ours.
    const client = await t.connect(m.deviceId, m.secret);
    await expect.poll(async () => (await retained(t, [pairing])).size, { timeout: 5000 }).toBe(1);
    await t.gateway.broker.publish(pairing, JSON.stringify({ paired: true, displayName: 'Again' }), { retain: true });
    const heard = new Promise<string>((resolve) =>
      client.on('message', (topic, payload, packet) => topic === pairing && packet.retain && resolve(payload.toString())),
    );
    await client.subscribeAsync(pairing, { qos: 1 });
    expect(JSON.parse(await heard)).toMatchObject({ displayName: 'Again' });
  });
});
