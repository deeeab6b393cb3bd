/** `mirrors/{id}/sessions`: ingest, then answer on `sessions/ack`. */
import { topicFor, type SessionAck } from '@pose-coach/protocol';
import type { HandlerContext } from '../dispatch.ts';

export async function handleSession(ctx: HandlerContext, deviceId: string, payload: Buffer): Promise<void> {
  let ack: SessionAck;
  try {
    ack = await ctx.ingest.fromDevice(deviceId, payload);
  } catch (err) {
    // Not queued (Redis unreachable): say nothing, so the mirror keeps the session and retries.
    ctx.log.error({ deviceId, err: (err as Error).message }, 'session could not be queued; no ack sent');
    return;
  }
  await ctx.publish(topicFor('sessionsAck', deviceId), ack);
}
