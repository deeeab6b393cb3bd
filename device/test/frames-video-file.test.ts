import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameSourceError, imageFolderFrames, listImages, probeVideo, readImage, scaledSize, videoFileFrames, yuv420Layout } from '../src/frames/index.ts';
import { fixedSizeFrames } from '../src/frames/raw-frames.ts';
import { HAVE_VIDEOS, image, NO_DATA, SHARED_DATA, video } from './frames-helpers.ts';

describe('raw frame splitting', () => {
  it('reassembles frames from chunks of any size, across and within chunks', async () => {
    const stream = new PassThrough();
    const bytes = Uint8Array.from({ length: 10 * 7 }, (_, i) => i);
    const out: number[][] = [];
    const reading = (async () => {
      for await (const f of fixedSizeFrames(stream, 7)) out.push([...f]);
    })();
    stream.write(Buffer.alloc(0)); // an empty chunk is harmless
    let at = 0;
    for (const size of [1, 3, 13, 2, 20, 31]) {
      stream.write(Buffer.from(bytes.subarray(at, at + size)));
      at += size;
    }
    stream.end();
    await reading;
    expect(out).toHaveLength(10);
    expect(out.flat()).toEqual([...bytes]);
  });

  it('sizes YUV420 buffers with rows padded to 64 bytes, as the Pi camera writes them', () => {
    expect(yuv420Layout(640, 480).frameBytes).toBe(640 * 480 * 1.5);
    expect(yuv420Layout(600, 480)).toMatchObject({ stride: 640, frameBytes: 640 * 480 * 1.5 });
  });

  it('scales so the long side fits, keeping even sides', () => {
    expect(scaledSize(1920, 1080, 384)).toEqual({ width: 384, height: 216 });
    expect(scaledSize(360, 640, 384)).toEqual({ width: 216, height: 384 });
    expect(scaledSize(320, 240, 384)).toEqual({ width: 320, height: 240 });
  });
});

describe.skipIf(!HAVE_VIDEOS)(`video file and image sources ${NO_DATA}`, () => {
  it('decodes every frame of a video, scaled down, with its time and original size', async () => {
    const file = video('squat_front_bands.mp4'); // 720×1280, 5 fps, 65 frames
    const info = probeVideo(file);
    expect(info).toMatchObject({ width: 720, height: 1280, fps: 5 });
    const frames = [];
    for await (const f of videoFileFrames(file)) frames.push({ index: f.index, t: f.t, w: f.width, h: f.height, ow: f.originalWidth, bytes: f.data.length });
    expect(frames.length).toBe(info.frames);
    expect(frames[0]).toMatchObject({ w: 216, h: 384, ow: 720, bytes: 216 * 384 * 3 });
    expect(frames[10]!.t).toBeCloseTo(2, 5);
  });

  it('stops early when asked and leaves no ffmpeg behind', async () => {
    let n = 0;
    for await (const _ of videoFileFrames(video('jumping_jack_studio.mp4'))) if (++n === 3) break;
    expect(n).toBe(3);
  });

  it('refuses a missing video with an error naming it', async () => {
    const gen = videoFileFrames('/nowhere/clip.mp4');
    await expect(gen.next()).rejects.toThrow(new FrameSourceError('video file not found: /nowhere/clip.mp4', 'NOT_FOUND'));
  });

  it('reads a folder of images in name order, one frame each', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pose-images-'));
    try {
      symlinkSync(image('yoga_tree_pose.jpeg'), path.join(dir, 'b.jpeg'));
      symlinkSync(image('truth_image1.png'), path.join(dir, 'a.png'));
      expect(listImages(dir).map((f) => path.basename(f))).toEqual(['a.png', 'b.jpeg']);
      const frames = [];
      for await (const f of imageFolderFrames(dir, { maxSide: 0 })) frames.push(f);
      expect(frames.map((f) => [f.index, f.width, f.height])).toEqual([
        [0, 384, 640],
        [1, 426, 640],
      ]);
      expect(frames[1]!.t).toBeCloseTo(1 / 30);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an empty image folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pose-images-'));
    try {
      await expect(imageFolderFrames(dir).next()).rejects.toThrow(/no images/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes a still at full size by default', () => {
    const f = readImage(path.join(SHARED_DATA, 'images/person_standing.jpg'));
    expect([f.width, f.height, f.data.length]).toEqual([1000, 667, 1000 * 667 * 3]);
  });
});
