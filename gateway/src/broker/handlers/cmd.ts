/** `mirrors/{id}/cmd/ack`: ends the pending command with that id, if it was sent to this mirror. */
import { commandAckSchema, parseJson } from '@pose-coach/protocol';
import type { HandlerContext } from '../dispatch.ts';

export function handleCommandAck(ctx: HandlerContext, deviceId: string, payload: Buffer, connection: number): void {
  ctx.fleet.presence.heard(deviceId, connection);
  const parsed = parseJson(commandAckSchema, payload);
  if (!parsed.ok) {
    ctx.log.warn({ deviceId, error: parsed.error }, 'cmd/ack ignored');
    return;
  }
  if (!ctx.fleet.commands.onAck(deviceId, parsed.value)) ctx.log.debug({ deviceId, id: parsed.value.id }, 'cmd/ack for no pending command of this mirror');
}
