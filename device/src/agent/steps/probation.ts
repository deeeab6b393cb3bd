/** Step: an app release on probation (../../fleet/updateState.ts) is made permanent once this agent runs healthy from it. */
import type { Logger } from 'pino';
import { commitApp, pendingForTree } from '../../fleet/updateState.ts';
import type { AgentState } from './state.ts';
import type { TelemetryPart } from './telemetry.ts';

const CHECK_EVERY_MS = 500;

export interface ProbationInputs {
  state: AgentState;
  appTree: string;
  telemetry: Pick<TelemetryPart, 'send'>;
  log: Logger;
}

export function watchProbation({ state, appTree, telemetry, log }: ProbationInputs): { stop(): void } {
  const { dataDir } = state.config;
  const probation = pendingForTree(dataDir, appTree);
  if (!probation) return { stop: () => undefined };
  log.info({ release: `app-${probation.version}`, version: probation.version, deadlineS: probation.deadlineS }, 'app release on probation until healthy');
  const timer = setInterval(() => {
    if (!state.fleetHealthy()) return;
    clearInterval(timer);
    state.lastUpdate = commitApp(dataDir, probation);
    log.info({ release: `app-${probation.version}`, kind: 'app', version: probation.version, outcome: 'healthy' }, 'app release healthy: kept');
    telemetry.send();
  }, CHECK_EVERY_MS);
  return { stop: () => clearInterval(timer) };
}
