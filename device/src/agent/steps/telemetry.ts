/** Step: telemetry to the fleet, every telemetry.intervalS (re-armed when it changes live) and at once when asked. */
import type { Telemetry } from '@pose-coach/protocol';
import { currentModelRelease, runningAppRelease } from '../../fleet/updateState.ts';
import type { Link } from '../../link/index.ts';
import type { PoseSource } from '../ports.ts';
import { collectTelemetry } from '../telemetry.ts';
import type { OutboxPart } from './outbox.ts';
import type { AgentState } from './state.ts';

export interface TelemetryInputs {
  state: AgentState;
  link: Pick<Link, 'publishTelemetry'> | undefined;
  outbox: OutboxPart;
  source: Pick<PoseSource, 'model'>;
  appVersion: string;
  /** The app tree this agent runs from (its release is reported). */
  appTree: string;
}

export interface TelemetryPart {
  /** Sends one now (while online): versions, health and the last update's outcome. */
  send(): void;
  /** (Re)starts the timer at the configured interval. */
  arm(): void;
  /** What the fleet shows of this mirror's releases. */
  releaseFields(): Partial<Telemetry>;
  stop(): void;
}

export function startTelemetry(i: TelemetryInputs): TelemetryPart {
  const { state } = i;
  const timer: { current?: NodeJS.Timeout } = {};

  function releaseFields(): Partial<Telemetry> {
    const appRelease = runningAppRelease(state.config.dataDir, i.appTree);
    const modelRelease = currentModelRelease(state.config.dataDir);
    const { lastUpdate } = state;
    return { ...(appRelease ? { appRelease } : {}), ...(modelRelease ? { modelRelease } : {}), healthy: state.fleetHealthy(), ...(lastUpdate ? { lastUpdate } : {}) };
  }
  function send(): void {
    if (state.linkState !== 'online') return;
    i.link?.publishTelemetry(
      collectTelemetry({ stats: state.stats, outboxDepth: i.outbox.store.depth().pending, model: i.source.model ?? 'simulation', appVersion: i.appVersion, startedAt: state.startedAt, extra: releaseFields() }),
    );
  }
  function arm(): void {
    clearInterval(timer.current);
    timer.current = setInterval(send, state.config.telemetry.intervalS * 1000);
    timer.current.unref();
  }
  arm();
  return { send, arm, releaseFields, stop: () => clearInterval(timer.current) };
}
