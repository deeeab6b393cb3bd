import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Pose, PoseEstimator } from '@pose-coach/inference';
import { csiCamera, liveKeypoints, NewestFrameMailbox, webcam, type LiveEvent } from '../src/frames/index.ts';
import { FIXTURES, HAVE_VIDEOS, NO_DATA, video } from './frames-helpers.ts';

/**
 * An estimator slower than the camera: it blocks the thread like WASM inference does, for
 * `ms` per frame, and remembers which frames it was given.
 */
function slowEstimator(ms: number): PoseEstimator & { seen: { index: number; capturedSoFar: number }[] } {
  const seen: { index: number; capturedSoFar: number }[] = [];
  return {
    model: 'movenet-lightning',
    backend: 'tfjs-wasm',
    seen,
    async estimatePoses(_frame: Frame): Promise<Pose[]> {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        /* busy, like model.execute */
      }
      return [];
    },
    reset() {},
    dispose() {},
  };
}

describe('newest-frame mailbox', () => {
  it('hands over only the newest frame and counts the ones it dropped', async () => {
    const box = new NewestFrameMailbox<number>();
    for (let i = 1; i <= 5; i++) box.put(i);
    expect(await box.take()).toBe(5);
    expect(box.stats()).toMatchObject({ captured: 5, taken: 1, dropped: 4 });
  });

  it('gives a waiting consumer the newest of the frames that arrive together', async () => {
    const box = new NewestFrameMailbox<number>();
    const taking = box.take();
    box.put(1);
    box.put(2);
    box.put(3);
    expect(await taking).toBe(3);
  });

  it('ends with undefined once closed, or with the error it was closed with', async () => {
    const box = new NewestFrameMailbox<number>();
    box.close();
    expect(await box.take()).toBeUndefined();
    const failed = new NewestFrameMailbox<number>();
    const waiting = failed.take();
    failed.close(new Error('camera gone'));
    await expect(waiting).rejects.toThrow('camera gone');
  });
});

describe.skipIf(!HAVE_VIDEOS)(`live loop slower than the camera ${NO_DATA}`, () => {
  let savedPath: string | undefined;
  beforeAll(() => {
    savedPath = process.env.PATH;
    process.env.PATH = `${FIXTURES}:${process.env.PATH}`;
    process.env.RPICAM_STANDIN_VIDEO = video('squat_side.mp4');
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    delete process.env.RPICAM_STANDIN_VIDEO;
  });

  it('takes the newest frame, drops the rest, never builds a backlog, and reports the rate it reached', async () => {
    const estimator = slowEstimator(100); // 10 frames/s against a 25 frames/s camera
    const controller = new AbortController();
    const poses: Extract<LiveEvent, { type: 'pose' }>[] = [];
    const started = performance.now();
    for await (const e of liveKeypoints(csiCamera({ width: 640, height: 480, framerate: 30 }), estimator, { signal: controller.signal })) {
      if (e.type !== 'pose') continue;
      poses.push(e);
      if (performance.now() - started > 3000) controller.abort();
    }
    const elapsedS = (performance.now() - started) / 1000;
    const last = poses.at(-1)!.stats;
    expect(last.dropped, 'frames dropped').toBeGreaterThan(last.taken / 2);
    expect(last.captured - last.taken - last.dropped, 'frames waiting: at most the newest one').toBeLessThanOrEqual(1);
    expect(last.captured - last.taken - last.dropped).toBeGreaterThanOrEqual(0);
    // The reported rate is the rate reached: what this loop saw (a loaded machine may reach less than 10/s).
    expect(last.fps, 'the rate inference reached').toBeGreaterThan((0.6 * poses.length) / elapsedS);
    expect(last.fps).toBeLessThan(11);
    expect(last.sourceFps, 'the camera rate').toBeGreaterThan(15);
    // No backlog: every frame inference got was the newest one the camera had sent by then.
    for (const p of poses.slice(2)) expect(p.stats.captured - 1 - p.frame.index, `frame ${p.frame.index}`).toBeLessThanOrEqual(1);
  });
});

describe('USB webcam errors', () => {
  it('reports a webcam that is not there as not connected, and retries', async () => {
    const controller = new AbortController();
    const errors: Extract<LiveEvent, { type: 'camera-error' }>[] = [];
    for await (const e of liveKeypoints(webcam({ device: '/dev/video-pose-coach-missing' }), slowEstimator(0), { signal: controller.signal, retryMs: 20 })) {
      if (e.type === 'camera-error') errors.push(e);
      if (errors.length === 2) controller.abort();
    }
    expect(errors.map((e) => [e.error.code, e.error.retryable, e.attempt])).toEqual([
      ['NOT_FOUND', true, 1],
      ['NOT_FOUND', true, 2],
    ]);
    expect(errors[0]!.error.message).toMatch(/webcam \/dev\/video-pose-coach-missing is not connected.*No such file or directory/);
  });
});
