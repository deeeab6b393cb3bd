/**
 * Where the mirror UI's data comes from: the agent (WebSocket + its local HTTP API) or a recorded
 * stream replayed for development. Screens only ever see this interface.
 */
import type { HistoryAnswer, HistoryEntry, LiveEvent } from '@pose-coach/protocol';

/** The ranges the glass offers (the agent also answers `all`). */
export type HistoryRange = 'today' | 'week' | 'month';
/** `/api/history` of the agent: its shape is defined in @pose-coach/protocol (history.ts). */
export type { HistoryAnswer, HistoryEntry };

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
