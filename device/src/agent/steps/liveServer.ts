/** Step: the localhost server the glass talks to (health, history, the UI, live events, unpair). */
import type { LiveEventInput } from '@pose-coach/protocol';
import type { OutboxPart } from './outbox.ts';
import type { AgentState } from './state.ts';
import type { PoseSource } from '../ports.ts';
import { startLiveServer, type LiveServer } from '../liveServer.ts';
import { unpairAction } from '../unpairAction.ts';
import type { PairingFlow } from '../../pairing/index.ts';

export interface LiveServerInputs {
  state: AgentState;
  deviceId: string;
  appVersion: string;
  source: PoseSource;
  outbox: OutboxPart;
  /** The current session's live event (sessions step). */
  sessionEvent(): LiveEventInput;
  /** The QR pairing flow, set up by the link step after this one: looked up per request. */
  pairingFlow(): PairingFlow | undefined;
}

export async function serveLive(i: LiveServerInputs): Promise<LiveServer & { stop(): Promise<void> }> {
  const { state, source, outbox } = i;
  const { http } = state.config;
  const live = await startLiveServer({
    host: http.host,
    port: http.port,
    uiDir: http.uiDir,
    outbox: outbox.store,
    health: () => ({
      ok: state.healthy(),
      deviceId: i.deviceId,
      source: source.kind,
      simulated: source.simulated,
      fps: state.stats.fps(),
      link: state.linkState,
      outbox: outbox.store.depth(),
      uptimeS: state.uptimeS(),
      ...(state.sourceError ? { sourceError: state.sourceError } : {}),
    }),
    snapshot: () => [
      { type: 'hello', deviceId: i.deviceId, appVersion: i.appVersion, source: source.kind, simulated: source.simulated, exercise: state.config.coach.exercise },
      i.sessionEvent(),
      state.linkEvent(),
      outbox.event(state.lastSyncedAt),
    ],
    actions: { '/api/pairing/unpair': unpairAction(i.pairingFlow) },
  });
  return Object.assign(live, { stop: () => live.close() });
}
