/**
 * `mirrors/{id}/status` (retained; `offline` is also the Last Will): online/offline in the fleet's
 * presence registry, which ignores a status from a connection older than the mirror's newest.
 */
import { deviceStatusSchema } from '@pose-coach/protocol';
import type { HandlerContext } from '../dispatch.ts';

export function handleStatus(ctx: HandlerContext, deviceId: string, payload: Buffer, connection: number): void {
  const text = payload.toString('utf8').trim();
  let value: unknown = text;
  try {
    if (text.startsWith('"')) value = JSON.parse(text);
  } catch {
    // fall through: refused below with the payload named
  }
  const status = deviceStatusSchema.safeParse(value);
  if (!status.success) {
    ctx.log.warn({ deviceId, payload: text.slice(0, 50) }, 'status ignored: expected online or offline');
    return;
  }
  if (!ctx.fleet.presence.status(deviceId, connection, status.data)) {
    ctx.log.debug({ deviceId, connection, status: status.data }, 'status from a replaced connection ignored');
  }
}
