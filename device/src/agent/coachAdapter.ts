/** The coach of device/src/coach behind the agent's Coach port. */
import { createCoach, EXERCISES, type CueLanguage, type ThresholdOverrides, type CoachEvent as RealEvent, type ExerciseName, type SessionSummary } from '../coach/index.ts';
import type { Coach, CoachEvent, CoachFactory, CoachSummary } from './ports.ts';

export const COACH_EXERCISES = ['auto', ...EXERCISES] as const;

function toSummary(s: SessionSummary): CoachSummary | null {
  if (!s.exercise) return null; // nothing recognised: somebody walked past
  return {
    exercise: s.exercise,
    reps: s.reps,
    accuracy: s.accuracy,
    duration: s.duration,
    feedbackPoints: s.feedbackPoints,
    repDetails: s.repDetails,
    partialReps: s.partialReps,
    ...(s.holdSeconds !== undefined ? { holdSeconds: s.holdSeconds } : {}),
  };
}

function translate(events: RealEvent[]): CoachEvent[] {
  const out: CoachEvent[] = [];
  for (const e of events) {
    if (e.type === 'session-start') out.push({ type: 'session-start', t: e.t });
    else if (e.type === 'session-end') out.push({ type: 'session-end', t: e.t, reason: e.reason, summary: toSummary(e.summary) });
    else if (e.type === 'rep') out.push({ type: 'rep', t: e.t, exercise: e.exercise, count: e.count, score: e.rep.score, cues: e.rep.cues });
    else if (e.type === 'cue') out.push({ type: 'cue', t: e.t, text: e.text, positive: e.positive });
    // exercise-recognised, view, partial (its cue comes as a cue), hold: not shown live yet.
  }
  return out;
}

export const realCoach: CoachFactory = ({ exercise, idleEndS, exercises, thresholds, cueLanguage }): Coach => {
  const coach = createCoach({
    exercise: exercise as ExerciseName | 'auto',
    ...(exercises ? { exercises: exercises as ExerciseName[] } : {}),
    ...(thresholds ? { thresholds: thresholds as ThresholdOverrides } : {}),
    ...(cueLanguage ? { language: cueLanguage as CueLanguage } : {}),
    session: { absenceSeconds: idleEndS, restSeconds: Math.max(60, 3 * idleEndS) },
  });
  return {
    push: (frame) => translate(coach.push(frame)),
    stop: () => translate(coach.stop()),
    setExercise: (e) => translate(coach.setExercise(e as ExerciseName | 'auto')),
  };
};
