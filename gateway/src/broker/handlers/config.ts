/** `mirrors/{id}/config/reported`: the configuration the mirror runs, into its shadow. */
import { configReportedSchema, parseJson } from '@pose-coach/protocol';
import type { HandlerContext } from '../dispatch.ts';

export async function handleConfigReported(ctx: HandlerContext, deviceId: string, payload: Buffer, connection: number): Promise<void> {
  ctx.fleet.presence.heard(deviceId, connection);
  const parsed = parseJson(configReportedSchema, payload);
  if (!parsed.ok) {
    ctx.log.warn({ deviceId, error: parsed.error }, 'config/reported ignored');
    return;
  }
  const taken = await ctx.fleet.shadow.onReported(deviceId, parsed.value);
  if (!taken) ctx.log.debug({ deviceId, version: parsed.value.version }, 'stale config/reported ignored');
  else if (parsed.value.error) ctx.log.warn({ deviceId, version: parsed.value.version, error: parsed.value.error }, 'mirror refused its desired config');
}
