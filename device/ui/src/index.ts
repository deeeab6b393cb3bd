/** What other parts may use of the mirror UI: its data sources and state, typed by the protocol. */
export { AgentBackend, UI_BACKOFF, type AgentBackendOptions } from './live/agentBackend.ts';
export { ReplayBackend, parseRecording, type RecordedEvent } from './live/replayBackend.ts';
export type { MirrorBackend, HistoryAnswer, HealthAnswer, HistoryRange, LiveHandlers, ConnectionState } from './live/backend.ts';
export { framingAdvice, type FramingAdvice } from './lib/framing.ts';
export { FrameMeter, type FrameReport } from './lib/frameMeter.ts';
