/**
 * A model release swapped in behind `model-current` (the `update` command): between sessions, the
 * estimator is dropped and the source restarted, so the next frames run through the new models;
 * resolves once HEALTHY_FRAMES of them arrived, rejects when they do not within fleet.modelCheckS.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PoseSource } from '../ports.ts';
import type { PipelinePart } from './pipeline.ts';
import type { SessionsPart } from './sessions.ts';
import { HEALTHY_FRAMES, type AgentState } from './state.ts';

export interface ModelSwapInputs {
  state: AgentState;
  source: Pick<PoseSource, 'reloadModels'>;
  sessions: Pick<SessionsPart, 'current'>;
  pipeline: Pick<PipelinePart, 'restart'>;
  log: Logger;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function modelSwapper({ state, source, sessions, pipeline, log }: ModelSwapInputs): () => Promise<void> {
  return async function activateModels(): Promise<void> {
    if (!source.reloadModels) return; // no inference here (simulation)
    const { dataDir, fleet } = state.config;
    const link = join(dataDir, 'releases', 'model-current');
    // The models package finds its files through this variable (startAgent sets it likewise at start).
    const env = process.env.POSE_COACH_MODELS_DIR;
    if (env && env !== link) return void log.warn({ modelsDir: env }, 'POSE_COACH_MODELS_DIR is set: the fleet model release is not used');
    if (existsSync(link)) process.env.POSE_COACH_MODELS_DIR = link;
    else delete process.env.POSE_COACH_MODELS_DIR;
    while (sessions.current && !state.stopping) await sleep(1000); // never mid-workout
    const deadline = Date.now() + fleet.modelCheckS * 1000;
    const { stats } = state;
    const from = stats.frames;
    source.reloadModels();
    pipeline.restart();
    log.info({ modelsDir: link }, 'models swapped in between sessions');
    while (Date.now() < deadline) {
      if (stats.frames - from >= HEALTHY_FRAMES && state.sourceError === undefined && state.framesFlowing()) return;
      if (state.stopping) throw new Error('the agent is stopping');
      await sleep(200);
    }
    throw new Error(`${stats.frames - from} frame(s) within ${fleet.modelCheckS} s${state.sourceError ? `, ${state.sourceError}` : ''}`);
  };
}
