/**
 * The mirror's daemon as a list of named steps (steps/*.ts), started in order and stopped in
 * reverse (steps/runSteps.ts, after aedes' connectActions):
 *
 *   outbox → identity → live server → link (drainer, pairing, MQTT) → sessions → pipeline
 *   (poses → coach → events → outbox) → telemetry → commands → probation → systemd watchdog
 *
 * Each step takes its inputs from the steps before it and the state they share (steps/state.ts).
 * The few calls into a later step (the link's inbound messages, the live server's snapshot and
 * unpair button) are arrow functions below: they run on network events, after start-up finished.
 * `stop()` stops the steps last first; the pipeline closes and saves the session in progress.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { readLastUpdate } from '../fleet/updateState.ts';
import type { AgentConfig } from './config.ts';
import type { LiveServer } from './liveServer.ts';
import type { PairingFlow } from '../pairing/index.ts';
import type { LiveEventInput } from '@pose-coach/protocol';
import type { CoachFactory, PoseSource } from './ports.ts';
import { RUNNING_APP } from './updateAction.ts';
import { commandHandlers } from './steps/commands.ts';
import { liveConfigHandler } from './steps/configDesired.ts';
import { diagnosticsOf } from './steps/diagnostics.ts';
import { resolveIdentity } from './steps/identity.ts';
import { connectLink } from './steps/link.ts';
import { serveLive } from './steps/liveServer.ts';
import { modelSwapper } from './steps/modelSwap.ts';
import { openOutbox } from './steps/outbox.ts';
import { startPipeline } from './steps/pipeline.ts';
import { watchProbation } from './steps/probation.ts';
import { createStepRunner } from './steps/runSteps.ts';
import { trackSessions } from './steps/sessions.ts';
import { AgentState } from './steps/state.ts';
import { startTelemetry } from './steps/telemetry.ts';
import { notifySystemd } from './steps/watchdog.ts';

export const APP_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface AgentDeps {
  config: AgentConfig;
  log: Logger;
  source: PoseSource;
  createCoach: CoachFactory;
  env?: NodeJS.ProcessEnv;
  /** The config file the agent was started with (an app release's self-test loads it too). */
  configFile?: string;
  /** The process's way to restart the agent (the `restart-agent` fleet command); absent: no such command. */
  onRestart?(): void;
  /** The app tree this agent runs from (default: this source tree); an app release on probation is judged by it. */
  appTree?: string;
}

export interface Agent {
  readonly url: string;
  readonly deviceId: string;
  readonly live: LiveServer;
  readonly log: Logger;
  endSession(reason?: string): { sessionId?: string; saved: boolean };
  restartSource(): void;
  diagnostics(): Record<string, unknown>;
  stop(reason?: string): Promise<void>;
}

export async function createAgent(deps: AgentDeps): Promise<Agent> {
  const { log, source } = deps;
  const appVersion = APP_VERSION;
  const appTree = deps.appTree ?? RUNNING_APP;
  const state = new AgentState(deps.config, readLastUpdate(deps.config.dataDir, log));
  const steps = createStepRunner(log);

  const outbox = await steps.run('outbox', () => openOutbox({ config: state.config, log }));
  const identity = await steps.run('identity', () => resolveIdentity({ config: state.config, appVersion }));
  const { deviceId } = identity;
  const live = await steps.run('live server', () =>
    serveLive({ state, deviceId, appVersion, source, outbox, sessionEvent: (): LiveEventInput => sessions.event(), pairingFlow: (): PairingFlow | undefined => link.pairingFlow }),
  );
  const link = await steps.run('link', () =>
    connectLink({
      state,
      identity,
      outbox,
      live,
      log,
      onOnline: () => telemetry.send(), // at once: versions, health and the last update's outcome reach the fleet without waiting a period
      onConfigDesired: (desired) => applyConfig(desired),
      onCommand: (cmd) => commands.handle(cmd),
    }),
  );
  const sessions = await steps.run('sessions', () => trackSessions({ state, createCoach: deps.createCoach, source, appVersion, live, outbox, drainer: link.drainer, log }));
  const pipeline = await steps.run('pipeline', () => startPipeline({ state, source, live, sessions, log }));
  const telemetry = await steps.run('telemetry', () => startTelemetry({ state, link: link.link, outbox, source, appVersion, appTree }));
  const applyConfig = liveConfigHandler({ state, log, sessions, pipeline, telemetry, link });
  const diagnostics = diagnosticsOf({ state, deviceId, appVersion, source, outbox, live, link, sessions, telemetry });
  const commands = await steps.run('commands', () =>
    commandHandlers({
      state,
      identity,
      source,
      link: link.link,
      sessions,
      pipeline,
      telemetry,
      diagnostics,
      activateModels: modelSwapper({ state, source, sessions, pipeline, log }),
      log,
      ...(deps.configFile ? { configFile: deps.configFile } : {}),
      ...(deps.onRestart ? { onRestart: deps.onRestart } : {}),
    }),
  );
  await steps.run('probation', () => watchProbation({ state, appTree, telemetry, log }));
  await steps.run('systemd', () => notifySystemd({ state, env: deps.env, log, status: `serving ${live.url}, source ${source.kind}` }));
  log.info({ url: live.url, deviceId, source: source.description, link: state.config.mqtt.url || 'disabled', depth: outbox.store.depth() }, 'agent started');

  const stopped: { promise?: Promise<void> } = {};
  return {
    url: live.url,
    deviceId,
    live,
    log,
    endSession: (reason = 'ended on request') => sessions.end(reason),
    restartSource: () => pipeline.restart(),
    diagnostics,
    stop(reason = 'stop') {
      stopped.promise ??= (async () => {
        log.info({ reason }, 'agent stopping');
        await steps.stopAll(reason);
      })();
      return stopped.promise;
    },
  };
}
