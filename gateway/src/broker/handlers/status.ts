/** `mirrors/{id}/status` (retained; `offline` is also the Last Will) and `telemetry`: last seen. */
import { deviceStatusSchema, parseJson, telemetrySchema } from '@pose-coach/protocol';
import type { HandlerContext } from '../dispatch.ts';

export function handleStatus(ctx: HandlerContext, deviceId: string, payload: Buffer): void {
  const text = payload.toString('utf8').trim();
  const status = deviceStatusSchema.safeParse(text.startsWith('"') ? JSON.parse(text) : text);
  if (!status.success) {
    ctx.log.warn({ deviceId, payload: text.slice(0, 50) }, 'status ignored: expected online or offline');
    return;
  }
  ctx.presence.set(deviceId, { ...ctx.presence.get(deviceId), status: status.data, lastSeen: Date.now() });
}

export function handleTelemetry(ctx: HandlerContext, deviceId: string, payload: Buffer): void {
  const parsed = parseJson(telemetrySchema, payload);
  if (!parsed.ok) {
    ctx.log.debug({ deviceId, error: parsed.error }, 'telemetry ignored');
    return;
  }
  ctx.presence.set(deviceId, { ...ctx.presence.get(deviceId), status: 'online', lastSeen: Date.now(), telemetry: parsed.value });
}
