/**
 * The agent from its config, in one call: load and validate the config (file, env, overrides),
 * choose the frame source, start. What main.ts runs, and what the appliance's start command can
 * embed in its own process:
 *
 *   const agent = await startAgent({ overrides: { 'mqtt.url': 'mqtts://127.0.0.1:8883',
 *     'mqtt.caFile': caPath, 'mqtt.credentialsFile': credsPath } });
 *   console.log(agent.url); … await agent.stop();
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createEstimator } from '@pose-coach/inference';
import { createAgent, type Agent } from './agent.ts';
import { realCoach } from './sessionTracker.ts';
import { loadConfig, type AgentConfig } from './config.ts';
import { createAgentLogger } from './logger.ts';
import { choosePoseSource } from './poseSources.ts';
import type { CoachFactory } from './ports.ts';

export interface StartAgentOptions {
  /** JSON config file (else POSE_AGENT_CONFIG, else defaults). */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Dotted config keys applied last, e.g. `{ 'source.kind': 'simulation' }`. */
  overrides?: Record<string, unknown>;
  log?: Logger;
  createCoach?: CoachFactory;
  /** Enables the `restart-agent` fleet command: how this process restarts the agent. */
  onRestart?(): void;
}

export async function startAgent(opts: StartAgentOptions = {}): Promise<Agent & { config: AgentConfig }> {
  const config = loadConfig({ ...(opts.configFile ? { file: opts.configFile } : {}), ...(opts.env ? { env: opts.env } : {}), overrides: opts.overrides ?? {} });
  const log = opts.log ?? createAgentLogger(config.logLevel);
  // A model release installed by the fleet (`update` command) is used from the next start on.
  const installedModels = join(config.dataDir, 'releases', 'model-current');
  if (!process.env.POSE_COACH_MODELS_DIR && existsSync(installedModels)) {
    process.env.POSE_COACH_MODELS_DIR = installedModels;
    log.info({ dir: installedModels }, 'models from the fleet release');
  }
  const { source, reason } = choosePoseSource(config, () => createEstimator({ model: config.inference.model, backend: config.inference.backend }), log);
  log.info({ source: source.description, reason }, 'frame source chosen');
  const agent = await createAgent({ config, log, source, createCoach: opts.createCoach ?? realCoach, ...(opts.env ? { env: opts.env } : {}), ...(opts.configFile ? { configFile: opts.configFile } : {}), ...(opts.onRestart ? { onRestart: opts.onRestart } : {}) });
  return Object.assign(agent, { config });
}
