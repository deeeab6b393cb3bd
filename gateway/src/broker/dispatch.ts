/** One handler per topic kind behind a thin dispatcher (aedes/MQTT.js `handlers/` habit). */
import type { DeviceStatus, Telemetry, TopicKind } from '@pose-coach/protocol';
import type { SessionIngest } from '../ingest/ingestSession.ts';
import type { Logger } from '../log.ts';
import { handleSession } from './handlers/sessions.ts';
import { handleStatus, handleTelemetry } from './handlers/status.ts';

export interface Presence {
  status?: DeviceStatus;
  lastSeen?: number;
  telemetry?: Telemetry;
}

export interface HandlerContext {
  ingest: SessionIngest;
  log: Logger;
  presence: Map<string, Presence>;
  publish(topic: string, payload: unknown, opts?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
}

type Handler = (ctx: HandlerContext, deviceId: string, payload: Buffer) => void | Promise<void>;

const HANDLERS: Partial<Record<TopicKind, Handler>> = {
  sessions: handleSession,
  status: handleStatus,
  telemetry: handleTelemetry,
};

export async function dispatch(ctx: HandlerContext, kind: TopicKind, deviceId: string, payload: Buffer): Promise<void> {
  await HANDLERS[kind]?.(ctx, deviceId, payload);
}
