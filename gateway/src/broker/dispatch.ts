/** One handler per topic kind behind a thin dispatcher (aedes/MQTT.js `handlers/` habit). */
import type { TopicKind } from '@pose-coach/protocol';
import type { SessionIngest } from '../ingest/ingestSession.ts';
import type { Logger } from '../log.ts';
import type { FleetInbox } from '../fleet/fleetInbox.ts';
import { handleSession } from './handlers/sessions.ts';
import { handleStatus } from './handlers/status.ts';
import { handleTelemetry } from './handlers/telemetry.ts';
import { handleConfigReported } from './handlers/config.ts';
import { handleCommandAck } from './handlers/cmd.ts';

export interface HandlerContext {
  ingest: SessionIngest;
  log: Logger;
  /** Where status, telemetry, config/reported and cmd/ack go (the fleet's registry, shadow, commands). */
  fleet: FleetInbox;
  publish(topic: string, payload: unknown, opts?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
}

/** `connection`: the serial of the MQTT connection the message came on (newer connections have larger ones). */
type Handler = (ctx: HandlerContext, deviceId: string, payload: Buffer, connection: number) => void | Promise<void>;

const HANDLERS: Partial<Record<TopicKind, Handler>> = {
  sessions: handleSession,
  status: handleStatus,
  telemetry: handleTelemetry,
  configReported: handleConfigReported,
  cmdAck: handleCommandAck,
};

export async function dispatch(ctx: HandlerContext, kind: TopicKind, deviceId: string, payload: Buffer, connection = 0): Promise<void> {
  await HANDLERS[kind]?.(ctx, deviceId, payload, connection);
}
