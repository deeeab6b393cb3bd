import { describe, expect, it } from 'vitest';
import { computeFeatures, createCoach, type CoachEvent } from '../src/coach/index.ts';
import { RepCounter, type CountingThresholds } from '../src/coach/repCounter.ts';
import { dip, figure, span, squats } from './coach-synthetic.ts';

const KNEE: CountingThresholds = { direction: 'decreasing', top: 140, hysteresis: 10, partial: 120, bottom: 100, minRepSeconds: 0.5, maxRepSeconds: 8, maxGapSeconds: 1.5 };
const f0 = computeFeatures(figure(0));

/** Runs a counter over signal values at 30 fps; returns the outcomes' kinds. */
function run(values: number[], th = KNEE, posture = true): string[] {
  const c = new RepCounter(th);
  const out: string[] = [];
  values.forEach((v, i) => {
    const r = c.push({ ...f0, t: i / 30 }, v, posture);
    if (r) out.push(r.kind);
  });
  return out;
}

const rep = (low: number, frames = 40) => Array.from({ length: frames }, (_, i) => dip(i / (frames - 1), 175, low));

describe('rep counter state machine', () => {
  it('counts a full rep down past bottom and back up past top plus hysteresis', () => {
    expect(run([...rep(80), ...rep(80), 175])).toEqual(['rep', 'rep']);
  });

  it('counts a rep that only reaches the partial zone as a partial, not a rep', () => {
    expect(run([...rep(110), 175])).toEqual(['partial']);
  });

  it('ignores a dip that never reaches the partial zone', () => {
    expect(run([...rep(130), 175])).toEqual([]);
  });

  it('does not double count jitter around the top threshold (hysteresis)', () => {
    const jitter = [175, 141, 139, 142, 138, 143, 139, 145, 175];
    expect(run([...jitter, ...rep(80), ...jitter])).toEqual(['rep']);
  });

  it('waits for the ready pose: starting low and coming up is not a rep', () => {
    // Getting up from the bottom into the start position, then one real rep.
    const gettingUp = Array.from({ length: 15 }, (_, i) => 60 + (115 * i) / 14);
    expect(run([...gettingUp, ...rep(80), 175])).toEqual(['rep']);
  });

  it('does not finish a rep that never comes back up (a clip ending at the bottom)', () => {
    expect(run([...rep(80), ...Array.from({ length: 10 }, (_, i) => 175 - 10 * i)])).toEqual(['rep']);
  });

  it('drops a movement slower than maxRepSeconds (sitting down for a rest)', () => {
    const slow = [175, ...Array.from({ length: 300 }, () => 70), 175];
    expect(run(slow)).toEqual([]);
  });

  it('counts nothing while the posture is wrong', () => {
    expect(run([...rep(80), ...rep(80)], KNEE, false)).toEqual([]);
  });

  it('rejects a single-frame estimator glitch (median of three)', () => {
    expect(run([175, 175, 60, 175, 175, 175])).toEqual([]);
  });

  it('counts an increasing signal (arms going up) the same way', () => {
    const th: CountingThresholds = { direction: 'increasing', top: -0.5, hysteresis: 0.2, partial: -0.1, bottom: 0.2, minRepSeconds: 0.3, maxRepSeconds: 4, maxGapSeconds: 1.5 };
    const jack = Array.from({ length: 30 }, (_, i) => -1 + 1.6 * Math.sin((Math.PI * i) / 29));
    expect(run([-1, ...jack, ...jack, -1], th)).toEqual(['rep', 'rep']);
  });
});

describe('coach counting on a scripted person', () => {
  const types = (evs: CoachEvent[]) => evs.map((e) => e.type);

  it('counts squats and reports a partial rep separately with a cue', () => {
    const coach = createCoach({ exercise: 'squat' });
    const frames = [...squats(0, 3, 80), ...span(7, 2, (u) => ({ knee: dip(u, 178, 130) })), ...span(9, 1, () => ({ knee: 178 }))];
    const events = frames.flatMap((f) => coach.push(f));
    const summary = coach.finish();
    expect(summary.reps).toBe(3);
    expect(summary.partialReps).toBe(1);
    const partial = events.find((e) => e.type === 'partial');
    expect(partial && partial.type === 'partial' && partial.cue).toBe('Go a little deeper');
    expect(summary.feedbackPoints).toContain('Squat deeper');
  });

  it('is not fooled by size or distance: a far, small person counts the same', () => {
    const near = createCoach({ exercise: 'squat' });
    const far = createCoach({ exercise: 'squat' });
    for (const f of squats(0, 3, 85)) near.push(f);
    for (const f of squats(0, 3, 85)) far.push({ ...f, keypoints: f.keypoints.map((k) => ({ ...k, x: 100 + k.x * 0.3, y: 50 + k.y * 0.3 })) });
    expect(near.finish().reps).toBe(3);
    expect(far.finish().reps).toBe(3);
  });

  it('counts the same at 5 fps as at 30 fps', () => {
    for (const fps of [5, 30]) {
      const coach = createCoach({ exercise: 'squat' });
      for (const f of [...squats(0, 4, 80, 2, 1, fps), ...span(9, 1, () => ({}), fps)]) coach.push(f);
      expect(coach.finish().reps).toBe(4);
    }
  });

  it('recognises jumping jacks from the first movements and counts from the first rep', () => {
    const coach = createCoach({ exercise: 'auto' });
    const jack = (t0: number) => span(t0, 1, (u) => ({ arms: Math.sin(Math.PI * u), feet: 120 + 260 * Math.sin(Math.PI * u) }));
    const frames = [...span(0, 1, () => ({})), ...[0, 1, 2, 3, 4].flatMap((r) => jack(1 + r)), ...span(6, 1, () => ({}))];
    const events = frames.flatMap((f) => coach.push(f));
    expect(types(events)).toContain('exercise-recognised');
    const summary = coach.finish();
    expect(summary.exercise).toBe('jumping_jack');
    expect(summary.reps).toBe(5);
  });

  it('does not call arm raises without a jump a jumping jack', () => {
    const coach = createCoach({ exercise: 'auto' });
    const frames = [...span(0, 1, () => ({})), ...[0, 1, 2, 3].flatMap((r) => span(1 + r, 1, (u) => ({ arms: Math.sin(Math.PI * u) }))), ...span(5, 1, () => ({}))];
    for (const f of frames) coach.push(f);
    expect(coach.finish().exercise).not.toBe('jumping_jack');
  });
});
