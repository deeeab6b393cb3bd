import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Frame, Pose, PoseEstimator } from '@pose-coach/inference';
import { loadConfig } from '../src/agent/config.ts';
import { choosePoseSource } from '../src/agent/poseSources.ts';
import { HAVE_VIDEOS, NO_DATA, video } from './frames-helpers.ts';

// Frames are what this test is about, not keypoints: an estimator that finds nobody keeps it fast.
const nobody: PoseEstimator = {
  model: 'movenet-lightning',
  backend: 'tfjs-wasm',
  async estimatePoses(_frame: Frame): Promise<Pose[]> {
    return [];
  },
  reset() {},
  dispose() {},
} as PoseEstimator;

async function framesUntilEnd(loopVideo: boolean, limitMs: number): Promise<{ frames: number; ended: boolean }> {
  const config = loadConfig({ env: {}, overrides: { 'source.kind': 'video', 'source.video': video('dance_no_exercise.mp4'), 'source.loopVideo': loopVideo } });
  const { source } = choosePoseSource(config, async () => nobody, pino({ level: 'silent' }));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limitMs);
  let frames = 0;
  for await (const _ of source.poses(controller.signal)) frames++;
  clearTimeout(timer);
  return { frames, ended: !controller.signal.aborted };
}

describe.skipIf(!HAVE_VIDEOS)(`a video given to the agent as its camera ${NO_DATA}`, () => {
  it('plays once and ends when source.loopVideo is false', async () => {
    const { frames, ended } = await framesUntilEnd(false, 30_000);
    expect(ended).toBe(true);
    expect(frames).toBeGreaterThan(10);
    expect(frames).toBeLessThanOrEqual(120); // the clip has 120 frames
  });

  it('keeps playing when source.loopVideo is true', async () => {
    const { ended } = await framesUntilEnd(true, 8_000);
    expect(ended).toBe(false);
  });
});
