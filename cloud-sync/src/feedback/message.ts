/** Plain-text motivational messages: from facts, or generic when there are none. */
import type { StoredSession } from '@pose-coach/protocol';
import type { SessionFacts } from './facts.ts';

export const GENERIC_MESSAGE = 'Great work today! Every session counts - keep it up.';

function exerciseName(exercise: string): string {
  return exercise.replace(/_/g, ' ');
}

function percent(accuracy: number): string {
  return `${Math.round(accuracy * 100)}%`;
}

/** Without history: still about this session when it can be, never throws. */
export function genericMessage(session?: Partial<StoredSession>): string {
  if (!session || typeof session.exercise !== 'string' || typeof session.reps !== 'number' || session.reps <= 0) {
    return GENERIC_MESSAGE;
  }
  return `Great work finishing your ${exerciseName(session.exercise)} session - ${session.reps} reps logged. Every session counts, keep it up!`;
}

export function messageFromFacts(facts: SessionFacts): string {
  const name = exerciseName(facts.exercise);
  const sentences: string[] = [];
  if (facts.firstOfExercise) {
    sentences.push(`First ${name} session logged: ${facts.reps} reps, a great start!`);
  } else if (facts.newPersonalBest) {
    sentences.push(`New personal best: ${facts.reps} ${name} reps, beating your previous best of ${facts.previousBestReps}!`);
  } else if (facts.reps === facts.previousBestReps) {
    sentences.push(`${facts.reps} ${name} reps ties your personal best!`);
  } else {
    sentences.push(`${facts.reps} ${name} reps done; your personal best is ${facts.previousBestReps}.`);
  }
  if (facts.streakDays >= 2) sentences.push(`That's a ${facts.streakDays}-day streak - keep it going!`);
  if (facts.accuracyTrend === 'up' && facts.recentAverageAccuracy !== undefined) {
    sentences.push(`Form accuracy ${percent(facts.accuracy)}, up from your recent ${percent(facts.recentAverageAccuracy)}.`);
  } else if (facts.accuracyTrend === 'down' && facts.recentAverageAccuracy !== undefined) {
    sentences.push(
      `Form accuracy ${percent(facts.accuracy)} against your recent ${percent(facts.recentAverageAccuracy)}: slow down and focus on form.`,
    );
  }
  if (facts.recurringPoint) {
    const { text, sessions, outOf } = facts.recurringPoint;
    sentences.push(`"${text}" came up in ${sessions} of your last ${outOf} sessions: make it your focus next time.`);
  }
  return sentences.join(' ');
}
