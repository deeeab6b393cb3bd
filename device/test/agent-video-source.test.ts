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

/** Nobody found, slowly: inference slower than the clip's 30 fps. */
const slowNobody: PoseEstimator = { ...nobody, estimatePoses: (f: Frame) => new Promise((r) => setTimeout(() => r([]), 50)) } as PoseEstimator;

async function framesUntilEnd(loopVideo: boolean, limitMs: number, estimator = nobody): Promise<{ frames: number; ended: boolean; times: number[] }> {
  const config = loadConfig({ env: {}, overrides: { 'source.kind': 'video', 'source.video': video('dance_no_exercise.mp4'), 'source.loopVideo': loopVideo } });
  const { source } = choosePoseSource(config, async () => estimator, pino({ level: 'silent' }));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limitMs);
  const times: number[] = [];
  for await (const f of source.poses(controller.signal)) times.push(f.t);
  clearTimeout(timer);
  return { frames: times.length, ended: !controller.signal.aborted, times };
}

describe.skipIf(!HAVE_VIDEOS)(`a video given to the agent as its camera ${NO_DATA}`, () => {
  it('plays once and ends when source.loopVideo is false', async () => {
    const { frames, ended } = await framesUntilEnd(false, 30_000);
    expect(ended).toBe(true);
    expect(frames).toBeGreaterThan(10);
    expect(frames).toBeLessThanOrEqual(120); // the clip has 120 frames
  });

  it('played once, analyses every frame even when inference is slower than the clip (the clip plays slower instead)', async () => {
    const { frames, ended, times } = await framesUntilEnd(false, 30_000, slowNobody);
    expect(ended).toBe(true);
    expect(frames).toBe(120);
    // The clip's own timeline, frame after frame: nothing skipped.
    expect(times.every((t, i) => Math.abs(t - i / 30) < 1e-6)).toBe(true);
  });

  it('keeps playing when source.loopVideo is true', async () => {
    const { ended } = await framesUntilEnd(true, 8_000);
    expect(ended).toBe(false);
  });
});
