/**
 * Counting on cameras and bodies the rules were not written on. Every clip comes from
 * ../shared/data/labels.json (read, never listed here) with the keypoints the mirror's own
 * inference gives (cached in var/ like `npm run eval`), then put through what a real mirror
 * meets (bench/eval/transforms.ts): a hand-held camera, a zoom, the head or the feet out of the
 * picture, a set or hold already under way at the first frame. Where no labelled clip shows a
 * variant (knee push-ups, alternating curls), a real clip's keypoints are rewritten into it
 * (coach-variants.ts) and the test says so.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyse } from '../../bench/eval/analyse.ts';
import { clipFrames, DEFAULT_CACHE_DIR } from '../../bench/eval/keypointSource.ts';
import { readLabels, type ClipLabel } from '../../bench/eval/labels.ts';
import { countMetrics } from '../../bench/eval/metrics.ts';
import { startingAt, TRANSFORMS } from '../../bench/eval/transforms.ts';
import { createCoach, type CoachEvent, type PoseFrame } from '../src/coach/index.ts';
import { kneeFromThigh, ThighGauge } from '../src/coach/features.ts';
import { DATA_DIR } from './coach-datasets.ts';
import { alternatingArms, kneeling } from './coach-variants.ts';

const HAVE_DATA = existsSync(`${DATA_DIR}/labels.json`);
const labels: ClipLabel[] = HAVE_DATA ? readLabels(DATA_DIR).filter((l) => existsSync(l.file)) : [];
if (!labels.length && process.env.CI === 'true') throw new Error('CI needs ../shared/data (labels.json and videos)');
const NO_DATA = '(skipped: ../shared/data is absent)';

const framesOf = async (l: ClipLabel): Promise<PoseFrame[]> => (await clipFrames(l.file, { cacheDir: DEFAULT_CACHE_DIR })).frames;
const transform = (name: string) => TRANSFORMS.find((t) => t.name === name)!;
const firstOf = (exercise: string) => labels.find((l) => l.exercise === exercise);
const repClips = () => labels.filter((l) => l.reps !== undefined);

/**
 * The goal on every labelled rep clip under `situation`: at least 90 % counted exactly,
 * 90 % within ±1 and with the exercise right, normalised MAE at most 0.10. The misses are listed
 * so a failure says which clip.
 */
async function underSituation(situation: string) {
  const rows: { clip: string; expected: number; counted: number; right: boolean }[] = [];
  for (const l of repClips()) {
    const r = analyse(transform(situation).apply(await framesOf(l)), 'auto').result;
    rows.push({ clip: `${l.file}: ${r.exercise} ×${r.reps}, labelled ${l.exercise} ×${l.reps}`, expected: l.reps!, counted: r.reps, right: r.exercise === l.exercise });
  }
  const m = countMetrics(rows);
  return {
    exact: m.exact / m.clips,
    within1AndRight: rows.filter((r) => r.right && Math.abs(r.counted - r.expected) <= 1).length / rows.length,
    normalisedMae: m.normalisedMae,
    misses: rows.filter((r) => !r.right || r.counted !== r.expected).map((r) => r.clip),
  };
}

const meetsGoal = (m: Awaited<ReturnType<typeof underSituation>>) => {
  expect(m.exact, m.misses.join('\n')).toBeGreaterThanOrEqual(0.9);
  expect(m.within1AndRight, m.misses.join('\n')).toBeGreaterThanOrEqual(0.9);
  expect(m.normalisedMae, m.misses.join('\n')).toBeLessThanOrEqual(0.1);
};

describe.skipIf(!labels.length)(`held-out camera situations on every labelled clip ${NO_DATA}`, () => {
  it('meets the counting goal when a hand-held camera shakes and rolls', { timeout: 600_000 }, async () => {
    meetsGoal(await underSituation('shake'));
  });

  it('counts every rep clip exactly, exercise right, with the head out of the picture', { timeout: 600_000 }, async () => {
    expect((await underSituation('head-cropped')).misses).toEqual([]);
  });

  it('counts a press clip when the camera zooms, pans or shakes (its body-travel test ignores the camera)', { timeout: 180_000 }, async () => {
    const presses = labels.filter((l) => l.exercise === 'shoulder_press');
    expect(presses.length).toBeGreaterThan(0);
    for (const l of presses) {
      const frames = await framesOf(l);
      for (const name of ['zoom', 'zoom-fast', 'pan', 'shake']) expect(analyse(transform(name).apply(frames), 'auto').result, `${l.file} ${name}`).toMatchObject({ exercise: 'shoulder_press', reps: l.reps });
    }
  });

  it('counts a jump (the body moving in the picture) the same while the camera zooms', { timeout: 180_000 }, async () => {
    // The periodic counter's one picture-relative signal is measured from the picture's centre.
    const jumps = labels.filter((l) => l.exercise === 'other' && /jump/.test(l.movement ?? ''));
    expect(jumps.length).toBeGreaterThan(0);
    for (const l of jumps) {
      const r = analyse(transform('zoom').apply(await framesOf(l)), 'auto').result;
      expect(Math.abs(r.reps - l.reps!), `${l.file}: ${r.reps} of ${l.reps}`).toBeLessThanOrEqual(1);
    }
  });

  it('counts every movement it has no rule for on a panning camera from the body\'s own signals', { timeout: 180_000 }, async () => {
    // Before: a jump rope clip under the pan counted 15 of 63, the body's height in the picture
    // following the camera's 4.3 s vertical sweep instead of the hops.
    const misses: string[] = [];
    const others = labels.filter((l) => l.exercise === 'other' && l.reps !== undefined);
    expect(others.length).toBeGreaterThan(0);
    for (const l of others) {
      const r = analyse(transform('pan').apply(await framesOf(l)), 'auto').result;
      if (r.exercise !== 'other' || Math.abs(r.reps - l.reps!) > 1) misses.push(`${l.file}: ${r.exercise} ×${r.reps} of ${l.reps}`);
    }
    expect(misses).toEqual([]);
  });

  it('does not take arms straightening at shoulder height for a press when the camera shakes or the picture is noisy: a press ends overhead', { timeout: 180_000 }, async () => {
    // Before: a bar lift (hands at the shoulders, elbows straightening) was called a shoulder press under shake and keypoint noise.
    const misses: string[] = [];
    const others = labels.filter((l) => l.exercise === 'other' && l.reps !== undefined);
    expect(others.length).toBeGreaterThan(0);
    for (const l of others) {
      const frames = await framesOf(l);
      for (const name of ['shake', 'lowres-noise']) {
        const r = analyse(transform(name).apply(frames), 'auto').result;
        if (r.exercise !== 'other' || Math.abs(r.reps - l.reps!) > 1) misses.push(`${l.file} ${name}: ${r.exercise} ×${r.reps} of ${l.reps}`);
      }
    }
    expect(misses).toEqual([]);
  });

  it('times the reps of a movement it has no rule for from the whole movement, not from the first guesses', { timeout: 180_000 }, async () => {
    // Before: the bar lift's first three reps kept the times of an early analysis (0.7, 1.0 and 0.8 s against ~1.9 s).
    const misses: string[] = [];
    for (const l of labels.filter((x) => x.exercise === 'other' && x.reps! > 0)) {
      const r = analyse(await framesOf(l), 'auto').result;
      const lengths = r.repDetails.map((d) => d.end - d.start).sort((a, b) => a - b);
      const median = lengths[Math.floor(lengths.length / 2)]!;
      const short = r.repDetails.filter((d) => d.end - d.start < 0.5 * median);
      if (short.length) misses.push(`${l.file}: ${JSON.stringify(short)} against a median rep of ${median.toFixed(2)} s`);
    }
    expect(misses).toEqual([]);
  });

  it('times every plank with the feet out of the picture from the shoulder–hip–knee line, lying on the mat before and after not counted', { timeout: 180_000 }, async () => {
    // Before: the forearm plank read 37.8 s of 32 (the 2.4 s lying down before it and the 3 s after counted).
    const planks = labels.filter((l) => l.exercise === 'plank');
    expect(planks.length).toBeGreaterThan(0);
    const misses: string[] = [];
    for (const l of planks) {
      const r = analyse(transform('feet-cropped').apply(await framesOf(l)), 'auto').result;
      if (r.exercise !== 'plank' || Math.abs(r.holdSeconds! - l.holdSeconds!) > 1.5) misses.push(`${l.file}: ${r.exercise} ${r.holdSeconds} s of ${l.holdSeconds}`);
    }
    expect(misses).toEqual([]);
  });

  it('counts a plank already held at the first frame from that frame', { timeout: 180_000 }, async () => {
    for (const l of labels.filter((x) => x.exercise === 'plank')) {
      const frames = await framesOf(l);
      const whole = analyse(frames, 'auto').result;
      const hold = whole.repDetails.find((d) => d.end - d.start >= 2)!;
      const from = whole.startedAt + hold.start + 3;
      const r = analyse(startingAt(frames, from), 'auto').result;
      expect(r.exercise).toBe('plank');
      // All of the hold the clip still shows, less at most the 0.5 s it takes to see a plank is held.
      expect(r.holdSeconds!, l.file).toBeGreaterThanOrEqual(whole.holdSeconds! - 3 - 1);
      expect(r.holdSeconds!, l.file).toBeLessThanOrEqual(whole.holdSeconds! - 3 + 0.5);
    }
  });

  it('counts the rest of a set whose camera starts between two reps, with no ready pose first', { timeout: 600_000 }, async () => {
    for (const l of repClips().filter((x) => x.reps! >= 3)) {
      const frames = await framesOf(l);
      const whole = analyse(frames, 'auto').result;
      const from = whole.startedAt + whole.repDetails[0]!.end;
      const r = analyse(startingAt(frames, from), 'auto').result;
      expect(Math.abs(r.reps - (l.reps! - 1)), `${l.file}: ${r.reps} of ${l.reps! - 1}`).toBeLessThanOrEqual(1);
    }
  });
});

describe.skipIf(!labels.length)(`counting from the joints that are visible, and saying what is missing ${NO_DATA}`, () => {
  it('counts a single curl in a ~2 s clip with the head out of the picture', { timeout: 180_000 }, async () => {
    const l = firstOf('bicep_curl')!;
    const frames = transform('head-cropped').apply(await framesOf(l));
    const s = analyse(await framesOf(l), 'bicep_curl').result;
    for (const d of s.repDetails) {
      const from = s.startedAt + d.start - 0.4;
      const clip = startingAt(frames, from).filter((f) => f.t <= d.end - d.start + 0.8);
      expect(clip[clip.length - 1]!.t).toBeLessThan(3);
      expect(analyse(clip, 'auto').result).toMatchObject({ exercise: 'bicep_curl', reps: 1 });
    }
  });

  it('says it needs to see the legs when squats are chosen and the legs are out of the picture, instead of counting 0 in silence', { timeout: 180_000 }, async () => {
    const l = firstOf('squat')!;
    const coach = createCoach({ exercise: 'squat' });
    const noLegs = (await framesOf(l)).map((f) => ({ ...f, keypoints: f.keypoints.map((k) => (/knee|ankle/.test(k.name) ? { ...k, score: 0.05 } : k)) }));
    const events: CoachEvent[] = noLegs.flatMap((f) => coach.push(f));
    expect(coach.finish().reps).toBe(0);
    const said = events.filter((e) => e.type === 'visibility');
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ missing: ['legs'], text: 'Step back so I can see your legs' });
    expect(said[0]!.t).toBeLessThanOrEqual(3);
    expect(events).toContainEqual(expect.objectContaining({ type: 'cue', text: 'Step back so I can see your legs', positive: false }));
  });

  it('counts squats with the feet out of the picture, the knee angle read from the thigh', { timeout: 180_000 }, async () => {
    const misses: string[] = [];
    for (const l of labels.filter((x) => x.exercise === 'squat')) {
      const r = analyse(transform('feet-cropped').apply(await framesOf(l)), 'auto').result;
      if (r.exercise !== 'squat' || Math.abs(r.reps - l.reps!) > 1) misses.push(`${l.file}: ${r.exercise} ×${r.reps} of ${l.reps}`);
    }
    expect(misses).toEqual([]);
  });

  it('recognises lunges and jumping jacks with the feet out of the picture: the hips tell a split stance, the knees an open jump', { timeout: 180_000 }, async () => {
    // Before: alternating lunges read only the front knee's depth (the back knee cannot be read from
    // an upright thigh) and came out as `other`; a jack seen from the side made the wrist's x count double.
    const misses: string[] = [];
    const clips = labels.filter((x) => x.exercise === 'lunge' || x.exercise === 'jumping_jack');
    expect(clips.map((l) => l.exercise)).toEqual(expect.arrayContaining(['lunge', 'jumping_jack']));
    for (const l of clips) {
      const r = analyse(transform('feet-cropped').apply(await framesOf(l)), 'auto').result;
      if (r.exercise !== l.exercise || Math.abs(r.reps - l.reps!) > 1) misses.push(`${l.file}: ${r.exercise} ×${r.reps} of ${l.reps}`);
    }
    expect(misses).toEqual([]);
  });

  it('reports the missing hips when only the upper body is in the picture (auto), and nothing when the body is whole', { timeout: 180_000 }, async () => {
    const l = firstOf('squat')!;
    const frames = await framesOf(l);
    const upper = frames.map((f) => ({ ...f, keypoints: f.keypoints.map((k) => (/hip|knee|ankle/.test(k.name) ? { ...k, score: 0.05 } : k)) }));
    expect(analyse(upper, 'auto').result).toMatchObject({ exercise: null, reps: 0, tooLittleVisible: { missing: ['hips'], say: 'Step back so I can see your hips' } });
    expect(analyse(frames, 'auto').result.tooLittleVisible).toBeUndefined();
  });
});

describe.skipIf(!labels.length)(`variants no labelled clip shows, rewritten from real clips ${NO_DATA}`, () => {
  it('counts knee push-ups (the real push-up clip with the shins raised) and judges the hips on the shoulder–hip–knee line', { timeout: 180_000 }, async () => {
    const l = firstOf('pushup')!;
    const real = analyse(await framesOf(l), 'auto').result;
    const knees = analyse(kneeling(await framesOf(l)), 'auto').result;
    expect(knees).toMatchObject({ exercise: 'pushup', reps: l.reps });
    // Kneeling bends the shoulder–hip–ankle line; the coach must not call that sagging hips.
    expect(knees.feedbackPoints.includes('Keep hips in line')).toBe(real.feedbackPoints.includes('Keep hips in line'));
  });

  it('counts alternating curls (the real curls, one arm at a time) one rep per curl, also on a shaking camera', { timeout: 180_000 }, async () => {
    const l = firstOf('bicep_curl')!;
    const frames = await framesOf(l);
    const s = analyse(frames, 'bicep_curl').result;
    const reps = s.repDetails.map((d) => ({ start: s.startedAt + d.start, end: s.startedAt + d.end }));
    const alternating = alternatingArms(frames, reps, s.startedAt);
    expect(analyse(alternating, 'auto').result).toMatchObject({ exercise: 'bicep_curl', reps: l.reps });
    expect(analyse(transform('shake').apply(alternating), 'auto').result).toMatchObject({ exercise: 'bicep_curl', reps: l.reps });
  });
});

describe('the knee angle read from the thigh when the feet are out of the picture', () => {
  const hip = { x: 100, y: 100 };
  it('reads a standing thigh as a straight knee, a thigh level with the floor (side view) as a right angle', () => {
    expect(kneeFromThigh(hip, { x: 100, y: 185 }, 100)).toBeCloseTo(180, 0);
    expect(kneeFromThigh(hip, { x: 185, y: 100 }, 100)).toBeCloseTo(90, 0);
  });

  it('reads a thigh foreshortened to half its standing length (front view) as tilted 60° towards the camera', () => {
    expect(kneeFromThigh(hip, { x: 100, y: 100 + 42.5 }, 100, 0.85)).toBeCloseTo(120, 0);
  });

  it('learns the standing thigh from the person: the same squat reads the same for a long- or short-thighed view', () => {
    for (const thigh of [0.7, 0.95]) {
      const gauge = new ThighGauge();
      for (let i = 0; i < 30; i++) gauge.observe(i / 30, thigh);
      expect(gauge.reference).toBeCloseTo(thigh, 5);
      // Half the standing length in the picture: 60° towards the camera, whoever it is.
      expect(kneeFromThigh(hip, { x: 100, y: 100 + 50 * thigh }, 100, gauge.reference)).toBeCloseTo(120, 0);
    }
  });
});
