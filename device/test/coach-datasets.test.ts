import { describe, expect, it } from 'vitest';
import { analyzeFrames, computeFeatures, createCoach, DEFAULT_THRESHOLDS, EXERCISE_MODULES, type PoseFrame } from '../src/coach/index.ts';
import { forView, type RepThresholds } from '../src/coach/thresholds.ts';
import { rawView } from '../src/coach/view.ts';
import { formSequences, HAVE_KEYPOINTS, NO_KEYPOINTS, readFitnessPoses, readFormSequence, type LabelledPose } from './coach-datasets.ts';

const share = (xs: boolean[]) => xs.filter(Boolean).length / Math.max(1, xs.length);

/** The exercise's counting signal for a still pose, with the thresholds of the view it is seen from. */
function reading(exercise: 'squat' | 'pushup', p: LabelledPose) {
  const ex = EXERCISE_MODULES[exercise];
  if (ex.kind !== 'reps') throw new Error('rep exercise expected');
  const f = computeFeatures(p.frame);
  const view = rawView(f) ?? 'front';
  const th = forView(DEFAULT_THRESHOLDS[exercise] as RepThresholds, view);
  return { posture: ex.posture(f, view, th.posture), signal: ex.signal(f, view, th.posture), th: th.counting };
}

/** A stream holding each pose for `hold` seconds at 15 fps, in the given order. */
function stream(poses: LabelledPose[], hold = 0.8): PoseFrame[] {
  const frames: PoseFrame[] = [];
  let t = 0;
  for (const p of poses) for (let i = 0; i < hold * 15; i++, t += 1 / 15) frames.push({ ...p.frame, t });
  return frames;
}

describe.skipIf(!HAVE_KEYPOINTS)(`coach on the labelled still poses (fitness_pose_samples.csv) ${NO_KEYPOINTS}`, () => {
  const poses = HAVE_KEYPOINTS ? readFitnessPoses() : [];
  const of = (label: string) => poses.filter((p) => p.label === label);

  it('reads all four labels', () => {
    expect(of('squats_up').length).toBeGreaterThan(100);
    expect(of('squats_down').length).toBeGreaterThan(100);
    expect(of('pushups_up').length).toBeGreaterThan(100);
    expect(of('pushups_down').length).toBeGreaterThan(100);
  });

  it('puts standing squat poses in the rest zone and bottom poses past the partial threshold', () => {
    const up = of('squats_up').map((p) => reading('squat', p));
    const down = of('squats_down').map((p) => reading('squat', p));
    expect(share(up.map((r) => r.posture && r.signal !== undefined && r.signal >= r.th.top))).toBeGreaterThanOrEqual(0.95);
    expect(share(down.map((r) => r.posture && r.signal !== undefined && r.signal <= r.th.partial))).toBeGreaterThanOrEqual(0.8);
  });

  it('sees most push-up poses as lying, and tells their top from their bottom', () => {
    const up = of('pushups_up').map((p) => reading('pushup', p));
    const down = of('pushups_down').map((p) => reading('pushup', p));
    // Push-ups filmed head-on look upright in the picture; most are filmed from the side.
    expect(share([...up, ...down].map((r) => r.posture))).toBeGreaterThanOrEqual(0.6);
    const lyingUp = up.filter((r) => r.posture);
    const lyingDown = down.filter((r) => r.posture);
    expect(share(lyingUp.map((r) => r.signal !== undefined && r.signal >= r.th.top))).toBeGreaterThanOrEqual(0.85);
    expect(share(lyingDown.map((r) => r.signal !== undefined && r.signal <= r.th.partial))).toBeGreaterThanOrEqual(0.85);
  });

  it('counts a stream of alternating up and down squat poses and recognises the squat', async () => {
    // Pairs where both poses read clearly (one person per photo, so pair like with like: up then down).
    const up = of('squats_up').filter((p) => reading('squat', p).signal! >= 165).slice(0, 6);
    const down = of('squats_down').filter((p) => reading('squat', p).signal! <= 90).slice(0, 6);
    const order = up.flatMap((u, i) => [u, down[i]!]).concat(up[0]!);
    const result = await analyzeFrames(stream(order), { exercise: 'auto' });
    expect(result.exercise).toBe('squat');
    expect(result.reps).toBe(6);
  });

  it('counts a stream of alternating push-up poses and recognises the push-up', async () => {
    const lying = (label: string) => of(label).filter((p) => reading('pushup', p).posture);
    const up = lying('pushups_up').filter((p) => reading('pushup', p).signal! >= 160).slice(0, 5);
    const down = lying('pushups_down').filter((p) => reading('pushup', p).signal! <= 90).slice(0, 5);
    const order = up.flatMap((u, i) => [u, down[i]!]).concat(up[0]!);
    const result = await analyzeFrames(stream(order), { exercise: 'auto' });
    expect(result.exercise).toBe('pushup');
    expect(result.reps).toBe(5);
  });
});

describe.skipIf(!HAVE_KEYPOINTS)(`coach on good and bad form sequences (form_sequences/*.npy) ${NO_KEYPOINTS}`, () => {
  async function scored(folder: string, exercise: 'bicep_curl' | 'shoulder_press') {
    const out: { good: boolean; reps: number; scores: number[]; cues: string[] }[] = [];
    for (const s of formSequences(folder)) {
      const r = await analyzeFrames(readFormSequence(s.file), { exercise });
      out.push({ good: s.good, reps: r.reps, scores: r.repDetails.map((d) => d.score), cues: r.repDetails.flatMap((d) => d.cues) });
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const good = out.filter((o) => o.good);
    const bad = out.filter((o) => !o.good);
    return { out, good, bad, goodScore: mean(good.flatMap((o) => o.scores)), badScore: mean(bad.flatMap((o) => o.scores)) };
  }

  it('reads a .npy sequence as frames of 17 joints', () => {
    const [first] = formSequences('bicep');
    const frames = readFormSequence(first!.file);
    expect(frames.length).toBeGreaterThan(30);
    expect(frames[0]!.keypoints.map((k) => k.name)).toHaveLength(17);
    expect(frames[1]!.t).toBeCloseTo(1 / 30, 5);
  });

  it('counts the single curl of most sequences, never more than one', async () => {
    const { out, good } = await scored('bicep', 'bicep_curl');
    expect(out.every((o) => o.reps <= 1)).toBe(true);
    expect(share(good.map((o) => o.reps === 1))).toBeGreaterThanOrEqual(0.6);
    expect(share(out.map((o) => o.reps === 1))).toBeGreaterThanOrEqual(0.6);
  });

  it('scores good curls higher than bad ones, and tells the bad ones to keep the elbows still', async () => {
    const { goodScore, badScore, bad } = await scored('bicep', 'bicep_curl');
    expect(goodScore).toBeGreaterThan(badScore + 0.15);
    expect(share(bad.filter((o) => o.reps).map((o) => o.cues.includes('Keep your elbows pinned to your sides')))).toBeGreaterThanOrEqual(0.5);
  });

  it('counts the single press of most sequences and scores good presses at least as high as bad ones', async () => {
    const { out, goodScore, badScore } = await scored('shoulderpress', 'shoulder_press');
    expect(out.every((o) => o.reps <= 1)).toBe(true);
    expect(share(out.map((o) => o.reps === 1))).toBeGreaterThanOrEqual(0.8);
    expect(goodScore).toBeGreaterThanOrEqual(badScore);
  });

  it('never counts a shrug or a front raise as a curl', async () => {
    for (const folder of ['shouldershrug', 'frontraise']) {
      for (const s of formSequences(folder)) {
        const coach = createCoach({ exercise: 'bicep_curl' });
        for (const f of readFormSequence(s.file)) coach.push(f);
        expect(coach.finish().reps, s.file).toBe(0);
      }
    }
  });
});
