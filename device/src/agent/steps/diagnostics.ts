/** The `diagnostics` command's answer (and `Agent.diagnostics()`): one look at every step. */
import type { LiveServer } from '../liveServer.ts';
import type { PoseSource } from '../ports.ts';
import { readCpuTempC } from '../telemetry.ts';
import type { LinkPart } from './link.ts';
import type { OutboxPart } from './outbox.ts';
import type { SessionsPart } from './sessions.ts';
import type { AgentState } from './state.ts';
import type { TelemetryPart } from './telemetry.ts';

export interface DiagnosticsInputs {
  state: AgentState;
  deviceId: string;
  appVersion: string;
  source: Pick<PoseSource, 'kind' | 'description' | 'simulated' | 'model'>;
  outbox: OutboxPart;
  live: Pick<LiveServer, 'clients'>;
  link: Pick<LinkPart, 'link' | 'drainer'>;
  sessions: Pick<SessionsPart, 'current'>;
  telemetry: Pick<TelemetryPart, 'releaseFields'>;
}

export function diagnosticsOf(i: DiagnosticsInputs): () => Record<string, unknown> {
  const { state, source } = i;
  return () => {
    const mem = process.memoryUsage();
    return {
      deviceId: i.deviceId,
      appVersion: i.appVersion,
      node: process.version,
      source: { kind: source.kind, description: source.description, simulated: source.simulated, ended: state.sourceEnded, error: state.sourceError },
      model: source.model,
      ...i.telemetry.releaseFields(),
      fps: state.stats.fps(),
      inferenceMs: state.stats.inferenceMs(),
      framesSeen: state.stats.frames,
      session: i.sessions.current ?? null,
      link: { state: state.linkState, clientId: i.link.link?.clientId, error: state.linkError, paired: state.pairing?.paired ?? null },
      outbox: { ...i.outbox.store.depth(), inFlight: i.link.drainer.inFlight(), lastSyncedAt: state.lastSyncedAt },
      memoryMb: { rss: Math.round(mem.rss / 1e6), heapUsed: Math.round(mem.heapUsed / 1e6) },
      cpuTempC: readCpuTempC() ?? null,
      uptimeS: state.uptimeS(),
      liveClients: i.live.clients(),
    };
  };
}
