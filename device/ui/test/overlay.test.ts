import { describe, expect, it } from 'vitest';
import type { PoseEvent } from '@pose-coach/protocol';
import { FrameMeter } from '../src/lib/frameMeter.ts';
import { PoseBuffer, STALE_MS } from '../src/lib/poseBuffer.ts';
import { blendKeypoints, frameToScreen } from '../src/lib/skeleton.ts';
import { standing } from './support.ts';

const pose = (cx: number, extra: Partial<PoseEvent> = {}): PoseEvent => ({ type: 'pose', frameAt: 0, keypoints: standing(cx), score: 0.9, inferenceMs: 20, fps: 30, simulated: false, ...extra });

describe('skeleton overlay geometry', () => {
  it('mirrors x: a joint on the camera’s left is drawn on the screen’s right', () => {
    const map = frameToScreen({}, { width: 1080, height: 1920 });
    expect(map(0.1, 0.5)).toEqual([972, 960]);
  });

  it('keeps body proportions when the frame’s aspect differs from the screen’s (whole frame, centred)', () => {
    // 1280×720 on a 1080×1920 portrait screen: scaled by 1080/1280, a band across the middle.
    const map = frameToScreen({ width: 1280, height: 720 }, { width: 1080, height: 1920 });
    const [x0, y0] = map(0.5, 0);
    const [x1, y1] = map(0.5 + 100 / 1280, 100 / 720);
    expect(x0).toBeCloseTo(540);
    expect(y0).toBeCloseTo((1920 - 720 * (1080 / 1280)) / 2);
    expect(map(0, 1)).toEqual([1080, expect.closeTo(1920 - y0)]);
    // 100 px right and 100 px down in the frame: equal distances on screen (x mirrored).
    expect(x0 - x1).toBeCloseTo(y1 - y0);
  });

  it('blends joints part of the way between two frames', () => {
    const b = blendKeypoints(standing(0.4), standing(0.6), 0.5);
    expect(b.find((k) => k.name === 'nose')!.x).toBeCloseTo(0.5);
    expect(blendKeypoints(standing(0.4), standing(0.6), 2).find((k) => k.name === 'nose')!.x).toBeCloseTo(0.6);
  });
});

describe('pose buffer', () => {
  it('moves from the previous frame to the newest over one camera interval', () => {
    const buf = new PoseBuffer();
    buf.push(pose(0.4), 1000);
    buf.push(pose(0.6), 1033);
    const nose = (t: number) => buf.sample(t)!.keypoints.find((k) => k.name === 'nose')!.x;
    expect(nose(1033)).toBeCloseTo(0.4);
    expect(nose(1049.5)).toBeCloseTo(0.5);
    expect(nose(1100)).toBeCloseTo(0.6);
    expect(buf.sample(1049.5, false)!.keypoints.find((k) => k.name === 'nose')!.x).toBeCloseTo(0.6);
  });

  it('draws nobody when frames stop or the frame is empty', () => {
    const buf = new PoseBuffer();
    buf.push(pose(0.5), 1000);
    expect(buf.sample(1000 + STALE_MS + 1)).toBeUndefined();
    buf.push(pose(0.5, { keypoints: [] }), 2000);
    expect(buf.sample(2001)).toBeUndefined();
  });
});

describe('frame meter', () => {
  it('counts an interval over 1.5 refreshes as a dropped frame', () => {
    const m = new FrameMeter();
    let t = 0;
    for (let i = 0; i < 100; i++) m.frame((t += 16.7), 1);
    m.frame((t += 50), 1); // two vsyncs missed
    const r = m.report();
    expect(r.frames).toBe(100);
    expect(r.refreshMs).toBeCloseTo(16.7);
    expect(r.dropped).toBe(1);
  });

  it('does not count a pause (no overlay on screen) as a drop', () => {
    const m = new FrameMeter();
    m.frame(0, 1);
    m.frame(16, 1);
    m.pause();
    m.frame(5000, 1);
    m.frame(5016, 1);
    expect(m.report().dropped).toBe(0);
  });
});
