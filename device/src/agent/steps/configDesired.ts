/**
 * Step: live config. `config/desired` is applied whole or refused (../liveConfig.ts), each changed
 * key taking effect where it belongs, and the values in force go back on `config/reported`.
 */
import type { Logger } from 'pino';
import type { ConfigMessage } from '@pose-coach/protocol';
import { applyDesired } from '../liveConfig.ts';
import type { LinkPart } from './link.ts';
import type { PipelinePart } from './pipeline.ts';
import type { SessionsPart } from './sessions.ts';
import type { AgentState } from './state.ts';
import type { TelemetryPart } from './telemetry.ts';

/** Coach settings a new coach takes: now when no session is open, else when the open one ends. */
const NEXT_SESSION_KEYS: readonly string[] = ['coach.idleEndS', 'coach.exercises', 'coach.thresholds', 'coach.cueLanguage'];

export interface ConfigDesiredInputs {
  state: AgentState;
  log: Logger;
  sessions: Pick<SessionsPart, 'setExercise' | 'reconfigure'>;
  pipeline: Pick<PipelinePart, 'applyCameraSettings'>;
  telemetry: Pick<TelemetryPart, 'arm'>;
  link: Pick<LinkPart, 'reportConfig'>;
}

export function liveConfigHandler({ state, log, sessions, pipeline, telemetry, link }: ConfigDesiredInputs): (desired: ConfigMessage) => void {
  return (desired) => {
    const r = applyDesired(state.config, desired);
    if (r.ok) {
      state.config = r.config;
      state.configVersion = desired.version;
      log.level = state.config.logLevel;
      if (r.changed.includes('telemetry.intervalS')) telemetry.arm();
      if (r.changed.includes('coach.exercise')) sessions.setExercise();
      else if (r.changed.some((k) => NEXT_SESSION_KEYS.includes(k))) sessions.reconfigure();
      if (r.changed.some((k) => k.startsWith('source.'))) pipeline.applyCameraSettings();
      log.info({ version: desired.version, changed: r.changed }, 'applied config/desired');
    } else log.warn({ version: desired.version, error: r.error }, 'refused config/desired');
    link.reportConfig(desired.version, r.ok ? undefined : r.error);
  };
}
