/**
 * bench:consistency's mirrors: MQTT clients that behave like the device outbox (a session is kept
 * until its ack, re-sent on every reconnect and, while waiting, every few seconds) and record every
 * ack by (mirror, sessionId), so the campaign can say what was acknowledged and whether each fuzzed
 * payload got the answer it should have.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { topicFor, type SessionAck } from '@pose-coach/protocol';

export interface BenchDevice {
  deviceId: string;
  secret: string;
  uid: string;
}

interface Pending {
  payload: string | Buffer;
  sentAt: number;
}

export type Answer = 'accept' | 'reject';

export function createOutboxMirrors(port: number, devices: BenchDevice[]) {
  /** `${mirror}\n${sessionId}` → the answers seen (queued/stored count as accept). */
  const answers = new Map<string, Set<Answer>>();
  /** Sessions released by a queued/stored ack, and those with a `stored` ack, by sessionId. */
  const acked = new Set<string>();
  const stored = new Set<string>();
  /** Rejections whose ack named no sessionId, per mirror. */
  const anonymousRejects = devices.map(() => 0);
  const rejectErrors = new Map<string, string>();
  const outboxes = devices.map(() => new Map<string, Pending>());
  const key = (mirror: number, sessionId: string) => `${mirror}\n${sessionId}`;

  const clients: MqttClient[] = devices.map((d, i) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: d.deviceId, username: d.deviceId, password: d.secret, clean: false, reconnectPeriod: 500 });
    client.on('connect', () => {
      void client
        .subscribeAsync(topicFor('sessionsAck', d.deviceId), { qos: 1 })
        .then(() => {
          for (const p of outboxes[i]!.values()) client.publish(topicFor('sessions', d.deviceId), p.payload as Buffer, { qos: 1 });
        })
        .catch(() => undefined);
    });
    client.on('error', () => undefined);
    client.on('message', (_t, p) => {
      const ack = JSON.parse(p.toString()) as SessionAck;
      const answer: Answer | undefined = ack.status === 'queued' || ack.status === 'stored' ? 'accept' : ack.status === 'rejected' ? 'reject' : undefined;
      if (!answer) return;
      if (ack.sessionId === '' && answer === 'reject') anonymousRejects[i]!++;
      const k = key(i, ack.sessionId);
      answers.set(k, (answers.get(k) ?? new Set()).add(answer));
      if (answer === 'reject') rejectErrors.set(k, ack.error ?? '');
      outboxes[i]!.delete(ack.sessionId);
      if (answer === 'accept') acked.add(ack.sessionId);
      if (ack.status === 'stored') stored.add(ack.sessionId);
    });
    return client;
  });

  return {
    devices,
    acked,
    stored,
    anonymousRejects,
    /** Publishes; with `sessionId`, keeps it in the mirror's outbox until an ack names it. */
    send(mirror: number, payload: string | Buffer, sessionId?: string) {
      const d = devices[mirror]!;
      if (sessionId !== undefined && sessionId !== '') outboxes[mirror]!.set(sessionId, { payload, sentAt: Date.now() });
      clients[mirror]!.publish(topicFor('sessions', d.deviceId), payload as Buffer, { qos: 1 });
    },
    /** Re-sends what has waited longer than `olderThanMs` for its ack, as the device outbox does. */
    resendWaiting(olderThanMs: number) {
      const now = Date.now();
      for (const [i, outbox] of outboxes.entries()) {
        for (const p of outbox.values()) {
          if (now - p.sentAt < olderThanMs) continue;
          p.sentAt = now;
          clients[i]!.publish(topicFor('sessions', devices[i]!.deviceId), p.payload as Buffer, { qos: 1 });
        }
      }
    },
    waiting(): number {
      return outboxes.reduce((n, o) => n + o.size, 0);
    },
    answersFor(mirror: number, sessionId: string): Set<Answer> | undefined {
      return answers.get(key(mirror, sessionId));
    },
    rejectError(mirror: number, sessionId: string): string | undefined {
      return rejectErrors.get(key(mirror, sessionId));
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
}

export type OutboxMirrors = ReturnType<typeof createOutboxMirrors>;
