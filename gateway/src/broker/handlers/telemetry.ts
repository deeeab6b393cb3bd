/** `mirrors/{id}/telemetry` (QoS 0): the heartbeat, plus the versions and outbox depth the fleet shows. */
import { parseJson, telemetrySchema } from '@pose-coach/protocol';
import type { HandlerContext } from '../dispatch.ts';

export function handleTelemetry(ctx: HandlerContext, deviceId: string, payload: Buffer, connection: number): void {
  const parsed = parseJson(telemetrySchema, payload);
  if (!parsed.ok) {
    ctx.log.debug({ deviceId, error: parsed.error }, 'telemetry ignored');
    ctx.fleet.presence.heard(deviceId, connection); // malformed, but the mirror is alive
    return;
  }
  ctx.fleet.presence.heard(deviceId, connection, parsed.value);
}
