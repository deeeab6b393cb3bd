/**
 * Where the mirror UI's data comes from: the agent (WebSocket + its local HTTP API) or a recorded
 * stream replayed for development. Screens only ever see this interface.
 */
import type { LiveEvent, SessionPayload, SessionStats } from '@pose-coach/protocol';
import type { HistoryEntry } from '../../../src/outbox/types.ts';

export type HistoryRange = 'today' | 'week' | 'month';
export type { HistoryEntry };

/** `/api/history` of the agent. */
export interface HistoryAnswer {
  range: string;
  since: string;
  sessions: HistoryEntry[];
  stats: SessionStats;
}

/** `/healthz` of the agent (only the fields the UI reads). */
export interface HealthAnswer {
  ok: boolean;
  source?: string;
  sourceError?: string;
  fps?: number;
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface LiveHandlers {
  event(e: LiveEvent): void;
  connection(state: ConnectionState, detail?: string): void;
}

/** The glass's two-step unpair (agent `POST /api/pairing/unpair`). */
export type UnpairStep = 'request' | 'confirm' | 'cancel';
/** `error`: the agent's refusal, said as it gave it. */
export interface ActionResult {
  ok: boolean;
  error?: string;
}

export interface MirrorBackend {
  /** Starts delivering events; the returned function stops (and stops reconnecting). */
  connect(handlers: LiveHandlers): () => void;
  history(range: HistoryRange): Promise<HistoryAnswer>;
  health(): Promise<HealthAnswer>;
  unpair(step: UnpairStep): Promise<ActionResult>;
}

export function summaryStats(sessions: readonly SessionPayload[]): SessionStats {
  const totalReps = sessions.reduce((n, s) => n + s.reps, 0);
  return {
    totalSessions: sessions.length,
    totalReps,
    averageAccuracy: sessions.length ? sessions.reduce((n, s) => n + s.accuracy, 0) / sessions.length : 0,
    totalDuration: sessions.reduce((n, s) => n + s.duration, 0),
  };
}
