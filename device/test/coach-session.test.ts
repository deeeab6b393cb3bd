import { describe, expect, it } from 'vitest';
import { sessionPayloadSchema } from '@pose-coach/protocol';
import { createCoach, resolveThresholds, ThresholdError, type CoachEvent } from '../src/coach/index.ts';
import { CueBook } from '../src/coach/cues.ts';
import type { Check } from '../src/coach/exercises/index.ts';
import { dip, empty, plankFigure, span, squats } from './coach-synthetic.ts';

const ends = (evs: CoachEvent[]) => evs.filter((e) => e.type === 'session-end');

describe('session lifecycle', () => {
  it('starts when a person stands ready in frame, not before', () => {
    const coach = createCoach({ exercise: 'squat' });
    const before = span(0, 2, () => null).flatMap((f) => coach.push(f));
    expect(before).toEqual([]);
    const after = span(2, 1, () => ({})).flatMap((f) => coach.push(f));
    expect(after.find((e) => e.type === 'session-start')).toMatchObject({ exercise: 'squat' });
  });

  it('continues through someone stepping out briefly, counting on', () => {
    const coach = createCoach({ exercise: 'squat', session: { absenceSeconds: 5 } });
    const events = [...squats(0, 2, 80), ...span(5, 3, () => null), ...squats(8, 2, 80)].flatMap((f) => coach.push(f));
    expect(ends(events)).toEqual([]);
    expect(coach.finish().reps).toBe(4);
    expect(coach.sessions).toHaveLength(1);
  });

  it('ends after the configured time of absence, and a new visit is a new session', () => {
    const coach = createCoach({ exercise: 'squat', session: { absenceSeconds: 3 } });
    const events = [...squats(0, 2, 80), ...span(5, 4, () => null), ...squats(9, 1, 80), ...span(12, 1, () => ({}))].flatMap((f) => coach.push(f));
    expect(ends(events)).toHaveLength(1);
    expect(ends(events)[0]).toMatchObject({ reason: 'absent', summary: { reps: 2 } });
    coach.finish();
    expect(coach.sessions.map((s) => s.reps)).toEqual([2, 1]);
  });

  it('ends after the configured rest without a rep', () => {
    const coach = createCoach({ exercise: 'squat', session: { restSeconds: 4 } });
    const events = [...squats(0, 1, 80), ...span(3, 6, () => ({}))].flatMap((f) => coach.push(f));
    expect(ends(events)[0]).toMatchObject({ reason: 'rest', summary: { reps: 1 } });
  });

  it('ends on an explicit stop', () => {
    const coach = createCoach({ exercise: 'squat' });
    for (const f of squats(0, 2, 80)) coach.push(f);
    expect(ends(coach.stop())[0]).toMatchObject({ reason: 'stop', summary: { exercise: 'squat', reps: 2 } });
  });

  it('resets the counter when the exercise changes: separate sessions', () => {
    const coach = createCoach({ exercise: 'squat' });
    for (const f of squats(0, 3, 80)) coach.push(f);
    const changed = coach.setExercise('jumping_jack');
    expect(ends(changed)[0]).toMatchObject({ reason: 'exercise-changed', summary: { exercise: 'squat', reps: 3 } });
    const jack = (t0: number) => span(t0, 1, (u) => ({ arms: Math.sin(Math.PI * u), feet: 120 + 260 * Math.sin(Math.PI * u) }));
    for (const f of [...span(8, 1, () => ({})), ...jack(9), ...jack(10), ...span(11, 1, () => ({}))]) coach.push(f);
    const last = coach.finish();
    expect(last).toMatchObject({ exercise: 'jumping_jack', reps: 2 });
    expect(coach.sessions).toHaveLength(2);
  });

  it('splits a visit with squats then jumping jacks into two sessions when recognising by itself', () => {
    const coach = createCoach({ exercise: 'auto' });
    const jack = (t0: number) => span(t0, 1, (u) => ({ arms: Math.sin(Math.PI * u), feet: 120 + 260 * Math.sin(Math.PI * u) }));
    const frames = [...squats(0, 3, 80), ...span(7, 2, () => ({})), ...[0, 1, 2, 3, 4].flatMap((r) => jack(9 + r)), ...span(14, 1, () => ({}))];
    const events = frames.flatMap((f) => coach.push(f));
    expect(events.filter((e) => e.type === 'exercise-recognised').map((e) => e.type === 'exercise-recognised' && e.exercise)).toEqual(['squat', 'jumping_jack']);
    expect(ends(events)[0]).toMatchObject({ reason: 'exercise-changed', summary: { exercise: 'squat', reps: 3 } });
    coach.finish();
    expect(coach.sessions.map((s) => [s.exercise, s.reps])).toEqual([['squat', 3], ['jumping_jack', 5]]);
  });

  it('makes a summary the protocol accepts as a session payload', () => {
    const coach = createCoach({ exercise: 'auto' });
    for (const f of [...squats(0, 3, 80), ...span(7, 2, (u) => ({ knee: dip(u, 178, 130) })), ...span(9, 1, () => ({}))]) coach.push(f);
    const s = coach.finish();
    expect(s.exercise).toBe('squat');
    const { startedAt, view, ...payload } = s;
    const parsed = sessionPayloadSchema.parse({ ...payload, sessionId: '3f1c1a52-2b7e-4b8e-9d3c-3f7a1c2b9e10', timestamp: '2026-11-29T08:15:00.000Z' });
    expect(parsed.reps).toBe(3);
    expect(parsed.repDetails?.every((r) => r.start < r.end && r.score >= 0 && r.score <= 1)).toBe(true);
    // The shallow fourth squat is a partial attempt: it counts into the accuracy, scoring low.
    expect(s.partialReps).toBe(1);
    expect(s.accuracy).toBeLessThan(s.repDetails.reduce((a, r) => a + r.score, 0) / 3);
    expect(s.accuracy).toBeGreaterThan(s.repDetails.reduce((a, r) => a + r.score, 0) / 4);
  });
});

describe('cues', () => {
  const check = (id: string, score: number): Check => ({ id, score, cue: { say: `fix ${id}`, point: `Fix ${id}` }, praise: { say: `great ${id}`, point: `Great ${id}` } });

  it('never says the same cue twice within the cooldown', () => {
    const book = new CueBook({ cooldownSeconds: 4, correctBelow: 0.6, praiseAbove: 0.85, maxPoints: 3 });
    const said = [0, 1, 2, 3, 4.5].flatMap((t) => book.afterRep(t, [check('depth', 0.2)], 0.2).map((c) => `${t}:${c.text}`));
    expect(said).toEqual(['0:fix depth', '4.5:fix depth']);
  });

  it('praises good form, and keeps the most frequent corrections plus one positive point', () => {
    const book = new CueBook();
    expect(book.afterRep(0, [check('depth', 1), check('knees', 0.95)], 0.97)[0]).toMatchObject({ positive: true });
    book.afterRep(10, [check('depth', 0.1), check('knees', 1)], 0.5);
    book.afterRep(20, [check('depth', 0.2), check('lean', 0.3), check('knees', 1)], 0.4);
    expect(book.feedbackPoints()).toEqual(['Fix depth', 'Fix lean', 'Great knees']);
  });
});

describe('thresholds', () => {
  it('applies an override from fleet config', () => {
    const th = resolveThresholds({ squat: { counting: { bottom: 95 } } });
    expect(th.squat).toMatchObject({ counting: { bottom: 95, top: 140 } });
  });

  it('refuses an unknown key, naming it', () => {
    expect(() => resolveThresholds({ squat: { counting: { botom: 95 } } as never })).toThrow(new ThresholdError('unknown threshold squat.counting.botom'));
    expect(() => resolveThresholds({ squat: { counting: { bottom: 'deep' } } as never })).toThrow(/squat\.counting\.bottom must be a number/);
    expect(() => resolveThresholds({ burpee: {} } as never)).toThrow(/unknown exercise "burpee"/);
  });

  it('refuses an unknown exercise choice', () => {
    expect(() => createCoach({ exercise: 'burpee' as never })).toThrow(/unknown exercise "burpee"; choose one of squat, .* or auto/);
  });

  it('changes the counting: a stricter bottom turns shallow reps into partials', () => {
    const strict = createCoach({ exercise: 'squat', thresholds: { squat: { views: { front: { bottom: 70 } } } } });
    for (const f of [...squats(0, 2, 85), ...span(5, 1, () => ({}))]) strict.push(f);
    expect(strict.finish()).toMatchObject({ reps: 0, partialReps: 2 });
  });
});

describe('view', () => {
  it('reports a front view for a person facing the camera and a side view when turned', () => {
    const coach = createCoach({ exercise: 'squat' });
    const events = span(0, 2, () => ({})).flatMap((f) => coach.push(f));
    expect(events.find((e) => e.type === 'view')).toMatchObject({ view: 'front' });
    // Turned side on: shoulders and hips overlap in the picture.
    const side = span(2, 2, () => ({})).map((f) => ({ ...f, keypoints: f.keypoints.map((k) => ({ ...k, x: 640 + (k.x - 640) * 0.1 })) }));
    const later = side.flatMap((f) => coach.push(f));
    expect(later.find((e) => e.type === 'view')).toMatchObject({ view: 'side' });
    expect(empty(0).keypoints).toEqual([]);
  });
});

describe('plank hold', () => {
  const frames = (t0: number, seconds: number, opts: Parameters<typeof plankFigure>[1] = {}) =>
    Array.from({ length: Math.round(seconds * 15) }, (_, i) => plankFigure(t0 + i / 15, opts));

  it('times the hold and ends it when the person pushes up out of it', () => {
    const coach = createCoach({ exercise: 'plank' });
    // Pushing up onto straight arms for a moment, then getting up (out of the picture).
    const events = [...frames(0, 6), ...frames(6, 0.8, { elbow: 175 }), ...span(6.8, 2, () => null)].flatMap((f) => coach.push(f));
    const s = coach.finish();
    expect(s.exercise).toBe('plank');
    expect(s.reps).toBe(0);
    expect(s.holdSeconds).toBeGreaterThan(5.5);
    expect(s.holdSeconds).toBeLessThan(6.3);
    expect(events.filter((e) => e.type === 'hold').length).toBeGreaterThanOrEqual(5);
  });

  it('recognises a plank by itself and scores sagging hips lower, with a cue', () => {
    const straight = createCoach({ exercise: 'auto' });
    for (const f of frames(0, 8)) straight.push(f);
    const sagging = createCoach({ exercise: 'auto' });
    for (const f of frames(0, 8, { sag: 90 })) sagging.push(f);
    const a = straight.finish();
    const b = sagging.finish();
    expect(a.exercise).toBe('plank');
    expect(b.exercise).toBe('plank');
    expect(a.accuracy).toBeGreaterThan(b.accuracy);
    expect(b.feedbackPoints).toContain('Keep hips in line');
  });
});
