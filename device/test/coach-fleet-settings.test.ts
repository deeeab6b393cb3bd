/**
 * The coach settings a fleet can change: cue language (a catalogue per language, every English
 * cue translated), the exercise list auto-recognition considers, and threshold overrides.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCoach, CUE_CATALOGUES, CUE_LANGUAGES, type CoachEvent, type PoseFrame } from '../src/coach/index.ts';
import { VISIBILITY_CUES } from '../src/coach/visibility.ts';
import { dip, span, squats } from './coach-synthetic.ts';

const exercisesDir = join(import.meta.dirname, '../src/coach/exercises');
/** Every English cue and feedback point the exercise modules can say, and what the mirror says when it sees too little. */
const englishCues = [
  ...new Set([
    ...readdirSync(exercisesDir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(exercisesDir, f), 'utf8').matchAll(/\b(?:say|point): '([^']+)'/g)].map((m) => m[1]!)),
    ...Object.values(VISIBILITY_CUES),
  ]),
];

// Three deep squats, one shallow (a partial and its cue), then standing: corrections and praise.
const workout = (): PoseFrame[] => [...squats(0, 3, 80), ...span(7, 2, (u) => ({ knee: dip(u, 178, 130) })), ...span(9, 1, () => ({ knee: 178 }))];

function run(options: Parameters<typeof createCoach>[0], frames = workout()) {
  const coach = createCoach(options);
  const events: CoachEvent[] = [];
  for (const f of frames) events.push(...coach.push(f));
  const summary = coach.finish();
  return { events, summary, cues: events.flatMap((e) => (e.type === 'cue' ? [e.text] : [])), reps: events.filter((e) => e.type === 'rep').length };
}

describe('cue languages', () => {
  it('has a catalogue for every language but English, each translating every English cue', () => {
    expect(englishCues.length).toBeGreaterThan(40);
    expect(CUE_LANGUAGES).toEqual(expect.arrayContaining(['en', 'de', 'es']));
    for (const lang of CUE_LANGUAGES.filter((l) => l !== 'en')) {
      const book = CUE_CATALOGUES[lang];
      expect({ lang, missing: englishCues.filter((c) => !book[c]?.trim()) }).toEqual({ lang, missing: [] });
      expect({ lang, stale: Object.keys(book).filter((k) => !englishCues.includes(k)) }).toEqual({ lang, stale: [] });
    }
  });

  it('says the same cues and feedback points in German as in English, translated', () => {
    const en = run({ exercise: 'squat' });
    const de = run({ exercise: 'squat', language: 'de' });
    expect(en.cues.length).toBeGreaterThan(0);
    expect(en.summary.feedbackPoints.length).toBeGreaterThan(0);
    expect(de.cues).toEqual(en.cues.map((c) => CUE_CATALOGUES.de[c]));
    expect(de.summary.feedbackPoints).toEqual(en.summary.feedbackPoints.map((c) => CUE_CATALOGUES.de[c]));
    expect(de.summary.repDetails.flatMap((r) => r.cues)).toEqual(en.summary.repDetails.flatMap((r) => r.cues).map((c) => CUE_CATALOGUES.de[c]));
    expect(de.cues).not.toEqual(en.cues);
  });

  it('refuses a language it has no catalogue for', () => {
    expect(() => createCoach({ language: 'fr' as 'de' })).toThrow(/unknown cue language "fr"; known: en, de, es/);
  });
});

describe('exercise list', () => {
  it('recognises only the listed exercises', () => {
    const frames = [...squats(0, 4, 80), ...span(9, 1, () => ({ knee: 178 }))];
    expect(run({}, frames).summary).toMatchObject({ exercise: 'squat', reps: 4 });
    // Squats are not on this mirror's list: not recognised as squats, only counted as a movement (`other`, no cues).
    const without = run({ exercises: ['pushup', 'plank'] }, frames);
    expect(without.summary).toMatchObject({ exercise: 'other', reps: 4, feedbackPoints: [] });
    expect(without.events.some((e) => e.type === 'rep' && e.exercise === 'squat')).toBe(false);
    expect(without.cues).toEqual([]);
  });

  it('refuses a chosen exercise outside the list, and an unknown name in it', () => {
    expect(() => createCoach({ exercise: 'squat', exercises: ['pushup'] })).toThrow(/exercise "squat" is not in this mirror's exercise list \(pushup\)/);
    expect(() => createCoach({ exercises: ['pushup'] }).setExercise('lunge')).toThrow(/"lunge" is not in this mirror's exercise list/);
    expect(() => createCoach({ exercises: ['yoga' as 'squat'] })).toThrow(/exercises must name some of/);
  });
});

describe('threshold overrides', () => {
  it('change the count of a scripted workout', () => {
    expect(run({ exercise: 'squat' }).reps).toBe(3);
    // Seen from the front: a rep must now reach 75°, which these 80° squats do not.
    expect(run({ exercise: 'squat', thresholds: { squat: { views: { front: { bottom: 75, partial: 100 } } } } }).reps).toBe(0);
  });
});
