/**
 * The mirror's side of QR pairing as a test drives it: the RFC 8628 calls with the device's
 * credentials over real HTTP, and the retained `pairing` messages its MQTT client hears.
 */
import type { MqttClient } from 'mqtt';
import { DEVICE_CODE_GRANT, topicFor, type PairingMessage } from '@pose-coach/protocol';
import type { TestGateway } from './testGateway.ts';

export { DEVICE_CODE_GRANT };

export function mirrorHttp(t: TestGateway, deviceId: string, secret: string) {
  const base = `http://127.0.0.1:${t.gateway.httpPort}`;
  const auth = `Basic ${Buffer.from(`${deviceId}:${secret}`).toString('base64')}`;
  const call = async (method: string, path: string, body?: URLSearchParams) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: auth }, ...(body ? { body } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    authorize: () => call('POST', '/device/pairing/authorize'),
    poll: (deviceCode: string, grantType = DEVICE_CODE_GRANT) =>
      call('POST', '/device/pairing/token', new URLSearchParams({ grant_type: grantType, device_code: deviceCode })),
    unpair: () => call('DELETE', '/device/pairing'),
  };
}

/** Every pairing message the mirror hears, and a wait for the next one matching. */
export async function pairingMessages(client: MqttClient, deviceId: string) {
  const seen: PairingMessage[] = [];
  const topic = topicFor('pairing', deviceId);
  client.on('message', (t, payload) => {
    if (t === topic) seen.push(JSON.parse(payload.toString()) as PairingMessage);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    seen,
    async until(match: (m: PairingMessage) => boolean, timeoutMs = 10_000): Promise<PairingMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = [...seen].reverse().find(match);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no matching pairing message; saw ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    /** Forgets what was heard so far, to wait for a change. */
    clear: () => void seen.splice(0),
  };
}
