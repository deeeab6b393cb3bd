/**
 * `stored` acks derived from the stores, not from process state: every session a mirror sent is
 * owed a `stored` ack (kept in Redis by ingest) until the mirror acknowledges it (its PUBACK):
 * a publish alone only reaches the broker's memory, which a gateway killed a moment later loses. When a mirror subscribes
 * (again, e.g. after a gateway restart), and every 30 s for connected mirrors, the owed acks of
 * sessions both stores hold are (re)sent with feedback built from MySQL history.
 */
import { GENERIC_MESSAGE, type FeedbackService, type SessionRepository } from '@pose-coach/cloud-sync';
import { topicFor } from '@pose-coach/protocol';
import type { MqttBroker } from '../broker/createBroker.ts';
import type { Logger } from '../log.ts';
import type { SessionClaims } from './sessionClaims.ts';
import type { StoredMarker } from './storedMarker.ts';
import type { StoreName } from './storeQueues.ts';

const SWEEP_MS = 30_000;

export function createOwedAcks(deps: {
  broker: MqttBroker;
  claims: SessionClaims;
  marker: StoredMarker;
  repositories: Record<StoreName, SessionRepository>;
  feedback: FeedbackService;
  log: Logger;
}) {
  const { broker, claims, log } = deps;

  async function send(deviceId: string, owed: { sessionId: string; uid: string }, motivationalFeedback: string): Promise<void> {
    try {
      // Cleared when the mirror's PUBACK arrives (below), not here.
      await broker.publish(topicFor('sessionsAck', deviceId), { sessionId: owed.sessionId, status: 'stored', motivationalFeedback });
    } catch (err) {
      log.warn({ err: (err as Error).message, sessionId: owed.sessionId }, 'stored ack not published; it stays owed');
    }
  }

  /** Sends the owed acks of `deviceId` whose sessions both stores hold. */
  async function deliver(deviceId: string, olderThanMs = 0): Promise<number> {
    let sent = 0;
    for (const owed of await claims.acksOwed(deviceId, olderThanMs)) {
      if (await claims.isDeleted(owed.sessionId)) {
        await claims.ackSent(deviceId, owed.sessionId, owed.uid);
        continue;
      }
      const [firestore, mysql] = (await deps.marker.isComplete(owed.sessionId))
        ? [true, await deps.repositories.mysql.get(owed.uid, owed.sessionId)]
        : await Promise.all([deps.repositories.firestore.get(owed.uid, owed.sessionId), deps.repositories.mysql.get(owed.uid, owed.sessionId)]);
      if (!firestore || !mysql) continue; // not stored everywhere yet: its worker will send it
      const text = await deps.feedback.forSession(mysql).catch(() => GENERIC_MESSAGE);
      await send(deviceId, owed, text);
      sent++;
    }
    return sent;
  }

  const safeDeliver = (deviceId: string, olderThanMs = 0) =>
    void deliver(deviceId, olderThanMs).catch((err: Error) => log.warn({ deviceId, err: err.message }, 'owed stored acks not delivered; retried later'));

  // A mirror that subscribes to its acks gets what it is owed.
  broker.aedes.on('subscribe', (subscriptions, client) => {
    const deviceId = (client as { deviceId?: string } | null)?.deviceId;
    if (deviceId && subscriptions.some((s) => s.topic === topicFor('sessionsAck', deviceId) || s.topic.endsWith('#'))) safeDeliver(deviceId);
  });
  // The mirror has the `stored` ack: no longer owed.
  broker.aedes.on('ack', (packet, client) => {
    const deviceId = (client as { deviceId?: string } | null)?.deviceId;
    if (!deviceId || !packet || !('topic' in packet) || packet.topic !== topicFor('sessionsAck', deviceId)) return;
    let ack: { sessionId?: unknown; status?: unknown };
    try {
      ack = JSON.parse(Buffer.from(packet.payload).toString('utf8')) as typeof ack;
    } catch {
      return;
    }
    if (ack.status !== 'stored' || typeof ack.sessionId !== 'string') return;
    void claims.ackDelivered(deviceId, ack.sessionId).catch((err: Error) => log.warn({ deviceId, err: err.message }, 'delivered stored ack not cleared; it may be sent again'));
  });
  // Acks whose event was lost (a worker that died between its write and its event).
  const sweep = setInterval(() => {
    // aedes keeps its connected clients by id (not in its typings).
    for (const client of Object.values((broker.aedes as unknown as { clients: Record<string, object> }).clients)) {
      const deviceId = (client as { deviceId?: string }).deviceId;
      if (deviceId) safeDeliver(deviceId, SWEEP_MS);
    }
  }, SWEEP_MS);
  sweep.unref();

  return {
    send,
    deliver,
    stop(): void {
      clearInterval(sweep);
    },
  };
}
