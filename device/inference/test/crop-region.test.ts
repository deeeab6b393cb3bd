import { describe, expect, it } from 'vitest';
import { cropRegionFromKeypoints, fullFrameRegion } from '../src/movenet/crop-region.ts';
import { KEYPOINT_NAMES, type Keypoint } from '../src/index.ts';

function person(cx: number, cy: number, scale: number, score = 0.9): Keypoint[] {
  // A stick figure standing at (cx, cy = hips), `scale` px from hips to shoulders.
  const at: Record<string, [number, number]> = {
    nose: [0, -1.4], left_eye: [0.1, -1.5], right_eye: [-0.1, -1.5], left_ear: [0.2, -1.45], right_ear: [-0.2, -1.45],
    left_shoulder: [0.4, -1], right_shoulder: [-0.4, -1], left_elbow: [0.5, -0.5], right_elbow: [-0.5, -0.5],
    left_wrist: [0.5, 0], right_wrist: [-0.5, 0], left_hip: [0.25, 0], right_hip: [-0.25, 0],
    left_knee: [0.25, 0.9], right_knee: [-0.25, 0.9], left_ankle: [0.25, 1.8], right_ankle: [-0.25, 1.8],
  };
  return KEYPOINT_NAMES.map((name) => ({ name, x: cx + at[name]![0] * scale, y: cy + at[name]![1] * scale, score }));
}

describe('crop region (MoveNet cropping)', () => {
  it('pads the whole frame to a square around its centre', () => {
    const r = fullFrameRegion(640, 480);
    expect(r.width).toBe(1);
    expect(r.height * 480).toBeCloseTo(640);
    expect(r.yMin * 480).toBeCloseTo(-80);
  });

  it('centres on the hips and takes in every joint of a small, far person', () => {
    const kps = person(1000, 500, 50);
    const r = cropRegionFromKeypoints(kps, 1920, 1080);
    const side = r.width * 1920;
    expect(side).toBeCloseTo(r.height * 1080); // square in pixels
    expect(side).toBeLessThan(400); // much smaller than the frame
    expect((r.xMin * 1920 + side / 2)).toBeCloseTo(1000);
    for (const k of kps) {
      expect(k.x).toBeGreaterThan(r.xMin * 1920);
      expect(k.x).toBeLessThan((r.xMin + r.width) * 1920);
      expect(k.y).toBeGreaterThan(r.yMin * 1080);
      expect(k.y).toBeLessThan((r.yMin + r.height) * 1080);
    }
  });

  it('never grows beyond the frame', () => {
    const r = cropRegionFromKeypoints(person(320, 240, 300), 640, 480);
    expect(r.width * 640).toBeLessThanOrEqual(640 + 1e-6);
  });

  it('falls back to the whole frame when nothing is seen', () => {
    expect(cropRegionFromKeypoints(person(320, 240, 50, 0.05), 640, 480)).toEqual(fullFrameRegion(640, 480));
  });
});
