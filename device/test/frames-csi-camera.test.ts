import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEstimator } from '@pose-coach/inference';
import { installModels } from '@pose-coach/models';
import { csiCamera, findCsiTool, FrameSourceError, liveKeypoints, type LiveEvent, type SourceFrame } from '../src/frames/index.ts';
import { FIXTURES, HAVE_VIDEOS, NO_DATA, video, withEnv } from './frames-helpers.ts';

// The CSI path runs for real: a stand-in `rpicam-vid` (frames-fixtures/rpicam-vid) on PATH
// streams a ../shared/data video in the real tool's byte format, paced like a camera.
const CLIP = video('squat_side.mp4');

/** The first frame of the clip as ffmpeg itself decodes it to RGB at w×h. */
function ffmpegFirstFrame(w: number, h: number): Buffer {
  return spawnSync('ffmpeg', ['-v', 'error', '-i', CLIP, '-frames:v', '1', '-vf', `scale=${w}:${h}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1']).stdout;
}

async function firstFrames(opts: Parameters<typeof csiCamera>[0], n: number): Promise<SourceFrame[]> {
  const controller = new AbortController();
  const out: SourceFrame[] = [];
  for await (const f of csiCamera(opts).frames(controller.signal)) {
    out.push(f);
    if (out.length === n) break;
  }
  controller.abort();
  return out;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

describe.skipIf(!HAVE_VIDEOS)(`Raspberry Pi CSI camera through a stand-in rpicam-vid ${NO_DATA}`, () => {
  let savedPath: string | undefined;
  beforeAll(() => {
    installModels(['movenet-lightning', 'movenet-multipose']);
    savedPath = process.env.PATH;
    process.env.PATH = `${FIXTURES}:${process.env.PATH}`;
    process.env.RPICAM_STANDIN_VIDEO = CLIP;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    delete process.env.RPICAM_STANDIN_VIDEO;
  });

  it('finds rpicam-vid on PATH', () => {
    expect(findCsiTool()).toBe('rpicam-vid');
  });

  it('parses YUV420 frames into the same picture ffmpeg decodes', async () => {
    const [frame] = await firstFrames({ width: 640, height: 480, maxSide: 640 }, 1);
    expect(frame).toMatchObject({ width: 640, height: 480, originalWidth: 640, originalHeight: 480, index: 0 });
    // Colour conversion and chroma sampling differ slightly from ffmpeg's scaler; a wrong
    // stride, plane offset or colour matrix would be off by tens of levels.
    expect(meanAbsDiff(frame!.data, ffmpegFirstFrame(640, 480))).toBeLessThan(6);
  });

  it('handles rows padded to the 64-byte stride (a width of 600 comes as 640-byte rows)', async () => {
    const [frame] = await firstFrames({ width: 600, height: 480, maxSide: 600 }, 1);
    expect([frame!.width, frame!.height]).toEqual([600, 480]);
    expect(meanAbsDiff(frame!.data, ffmpegFirstFrame(600, 480))).toBeLessThan(6);
  });

  it('streams MJPEG as well, decoded by ffmpeg', async () => {
    const frames = await firstFrames({ width: 640, height: 480, codec: 'mjpeg', maxSide: 640 }, 3);
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(meanAbsDiff(frames[0]!.data, ffmpegFirstFrame(640, 480))).toBeLessThan(8);
  });

  it('falls back to libcamera-vid when rpicam-vid is absent', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pose-libcamera-'));
    try {
      symlinkSync(path.join(FIXTURES, 'rpicam-vid'), path.join(dir, 'libcamera-vid'));
      await withEnv({ PATH: `${dir}:/usr/bin:/bin` }, async () => {
        expect(findCsiTool()).toBe('libcamera-vid');
        const frames = await firstFrames({}, 2);
        expect(frames).toHaveLength(2);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which package to install when neither tool exists', async () => {
    await withEnv({ PATH: '/nonexistent' }, async () => {
      await expect(csiCamera().frames(new AbortController().signal)[Symbol.asyncIterator]().next()).rejects.toThrow(/apt-get install rpicam-apps/);
    });
  });

  it('runs keypoints live on the camera frames', async () => {
    const estimator = await createEstimator();
    const controller = new AbortController();
    const poses = [];
    try {
      for await (const e of liveKeypoints(csiCamera(), estimator, { signal: controller.signal })) {
        if (e.type === 'pose' && e.pose) poses.push(e.pose);
        if (poses.length === 10) controller.abort();
      }
    } finally {
      estimator.dispose();
    }
    expect(poses).toHaveLength(10);
    expect(poses.at(-1)!.score).toBeGreaterThan(0.3);
  });

  async function eventsUntil(stop: (e: LiveEvent, all: LiveEvent[]) => boolean, onEvent?: (e: LiveEvent) => void): Promise<LiveEvent[]> {
    const estimator = await createEstimator({ personInFront: false });
    const controller = new AbortController();
    const events: LiveEvent[] = [];
    try {
      for await (const e of liveKeypoints(csiCamera(), estimator, { signal: controller.signal, retryMs: 50 })) {
        events.push(e);
        onEvent?.(e);
        if (stop(e, events)) controller.abort();
      }
    } finally {
      estimator.dispose();
    }
    return events;
  }

  it('reports a busy camera and retries until it is free, without crashing', async () => {
    process.env.RPICAM_STANDIN_FAIL = 'busy';
    try {
      const events = await eventsUntil(
        (e) => e.type === 'pose',
        (e) => {
          if (e.type === 'camera-error' && e.attempt === 2) delete process.env.RPICAM_STANDIN_FAIL; // the other program lets go
        },
      );
      const errors = events.filter((e) => e.type === 'camera-error');
      expect(errors).toHaveLength(2);
      expect(errors[0]!.error).toBeInstanceOf(FrameSourceError);
      expect(errors[0]!.error.code).toBe('BUSY');
      expect(errors[0]!.error.message).toMatch(/CSI camera \(rpicam-vid\) is busy.*Device or resource busy/);
      expect(errors[1]!.retryInMs).toBe(2 * errors[0]!.retryInMs); // back-off doubles
      expect(events.some((e) => e.type === 'camera-ready')).toBe(true);
    } finally {
      delete process.env.RPICAM_STANDIN_FAIL;
    }
  });

  it('reports a missing camera as not connected and keeps retrying', async () => {
    process.env.RPICAM_STANDIN_FAIL = 'missing';
    try {
      const events = await eventsUntil((_e, all) => all.filter((x) => x.type === 'camera-error').length === 3);
      const errors = events.filter((e) => e.type === 'camera-error');
      expect(errors.map((e) => e.error.code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
      expect(errors[0]!.error.message).toMatch(/not connected.*no cameras available/);
    } finally {
      delete process.env.RPICAM_STANDIN_FAIL;
    }
  });

  it('restarts a camera that dies mid-stream and carries on', async () => {
    process.env.RPICAM_STANDIN_DIE_AFTER = '8';
    try {
      const events = await eventsUntil((_e, all) => all.filter((x) => x.type === 'camera-ready').length === 2);
      const died = events.find((e) => e.type === 'camera-error');
      expect(died?.type === 'camera-error' && died.error.code).toBe('STREAM_DIED');
      expect(died?.type === 'camera-error' && died.error.message).toMatch(/died after \d+ frames.*camera disconnected/);
      expect(events.filter((e) => e.type === 'pose').length).toBeGreaterThan(0);
    } finally {
      delete process.env.RPICAM_STANDIN_DIE_AFTER;
    }
  });
});
