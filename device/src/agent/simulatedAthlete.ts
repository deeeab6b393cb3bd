/**
 * The built-in simulated athlete: generated keypoints of a person seen from the side doing sets of
 * squats, walking out of view between sets, so a machine without a camera still shows a working
 * mirror (and the UI labels it as a simulation). Deterministic for a given seed.
 */
import { KEYPOINT_NAMES, type Keypoint, type KeypointName } from '@pose-coach/inference';
import { seededRandom } from '@pose-coach/protocol';
import type { PoseFrame, PoseSource } from './ports.ts';

export interface SimulatedAthleteOptions {
  fps?: number;
  /** Seconds per squat. */
  repPeriodS?: number;
  repsPerSet?: number;
  /** Seconds out of view between sets (longer than the coach's idle end, so each set is a session). */
  restS?: number;
  /** Every n-th rep is shallow, to give the coach something to correct. 0: never. */
  shallowEvery?: number;
  /** 1 = real time; larger plays faster (tests). */
  speed?: number;
  seed?: number;
  width?: number;
  height?: number;
}

const DEG = Math.PI / 180;


/** The body at squat depth d (0 standing, 1 deepest), side view facing right, in frame pixels. */
export function squatPose(d: number, width = 640, height = 480): Record<KeypointName, [number, number]> {
  const s = height / 480;
  const ankle: [number, number] = [width / 2 - 20 * s, 440 * s];
  const shinA = d * 35 * DEG;
  const thighA = d * 85 * DEG;
  const torsoA = d * 40 * DEG;
  const knee: [number, number] = [ankle[0] + 100 * s * Math.sin(shinA), ankle[1] - 100 * s * Math.cos(shinA)];
  const hip: [number, number] = [knee[0] - 100 * s * Math.sin(thighA), knee[1] - 100 * s * Math.cos(thighA)];
  const shoulder: [number, number] = [hip[0] + 125 * s * Math.sin(torsoA), hip[1] - 125 * s * Math.cos(torsoA)];
  const head: [number, number] = [shoulder[0] + 45 * s * Math.sin(torsoA) + 8 * s, shoulder[1] - 45 * s * Math.cos(torsoA)];
  const armA = d * 80 * DEG; // arms come forward as the athlete goes down
  const elbow: [number, number] = [shoulder[0] + 60 * s * Math.sin(armA), shoulder[1] + 60 * s * Math.cos(armA)];
  const wrist: [number, number] = [elbow[0] + 55 * s * Math.sin(armA), elbow[1] + 55 * s * Math.cos(armA)];
  // Seen from the side, the far (left) limbs sit a little behind the near ones.
  const far = (p: [number, number]): [number, number] => [p[0] - 6 * s, p[1] - 2 * s];
  return {
    nose: [head[0] + 10 * s, head[1] + 5 * s],
    left_eye: [head[0] + 6 * s, head[1] - 2 * s],
    right_eye: [head[0] + 8 * s, head[1] - 1 * s],
    left_ear: [head[0] - 10 * s, head[1]],
    right_ear: [head[0] - 8 * s, head[1] + 1 * s],
    left_shoulder: far(shoulder),
    right_shoulder: shoulder,
    left_elbow: far(elbow),
    right_elbow: elbow,
    left_wrist: far(wrist),
    right_wrist: wrist,
    left_hip: far(hip),
    right_hip: hip,
    left_knee: far(knee),
    right_knee: knee,
    left_ankle: far(ankle),
    right_ankle: ankle,
  };
}

export function createSimulatedAthlete(opts: SimulatedAthleteOptions = {}): PoseSource {
  const fps = opts.fps ?? 30;
  const period = opts.repPeriodS ?? 2.5;
  const repsPerSet = opts.repsPerSet ?? 8;
  const rest = opts.restS ?? 30;
  const shallowEvery = opts.shallowEvery ?? 4;
  const speed = opts.speed ?? 1;
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const setLength = repsPerSet * period;
  const cycle = setLength + rest;

  /** Keypoints at stream time t, or none while the athlete is out of view. */
  function keypointsAt(t: number, rand: () => number): Keypoint[] {
    const inCycle = t % cycle;
    if (inCycle >= setLength) return [];
    const rep = Math.floor(inCycle / period);
    const phase = (inCycle % period) / period;
    const maxDepth = shallowEvery > 0 && (rep + 1) % shallowEvery === 0 ? 0.5 : 1;
    const depth = maxDepth * (1 - Math.cos(2 * Math.PI * phase)) / 2;
    const pose = squatPose(depth, width, height);
    return KEYPOINT_NAMES.map((name) => ({
      name,
      x: pose[name][0] + (rand() - 0.5) * 3,
      y: pose[name][1] + (rand() - 0.5) * 3,
      score: 0.8 + rand() * 0.15,
    }));
  }

  return {
    kind: 'simulation',
    simulated: true,
    description: `simulated athlete (squats, ${repsPerSet} reps per set, ${fps} fps)`,
    async *poses(signal) {
      const rand = seededRandom(opts.seed ?? 7);
      const started = performance.now();
      for (let i = 0; !signal.aborted; i++) {
        const t = i / fps;
        // Pace to the wall clock so the mirror moves in real time (or `speed` times faster).
        const due = started + (t * 1000) / speed;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        if (signal.aborted) return;
        const keypoints = keypointsAt(t, rand);
        yield {
          frameAt: Date.now(),
          t,
          width,
          height,
          keypoints,
          score: keypoints.length ? keypoints.reduce((a, k) => a + k.score, 0) / keypoints.length : 0,
          inferenceMs: 0,
        };
      }
    },
  };
}
