/** The facts a motivational message is made of, derived from one session and its history. */
import { isPraisePoint, type StoredSession } from '@pose-coach/protocol';
import { daysBetween, isTimeZone, localDateAt, startOfLocalDay } from '@pose-coach/protocol';
import type { SessionHistory } from './history.ts';

export interface SessionFacts {
  exercise: string;
  reps: number;
  accuracy: number;
  /** No earlier session of this exercise. */
  firstOfExercise: boolean;
  previousBestReps?: number;
  /** More reps than any earlier session of this exercise. */
  newPersonalBest: boolean;
  /** Consecutive days with a session, ending on this session's day (1 = just today). */
  streakDays: number;
  /** Mean accuracy of the recent earlier sessions of this exercise (at least MIN_FOR_TREND of them). */
  recentAverageAccuracy?: number;
  accuracyTrend?: 'up' | 'down' | 'steady';
  /** A correction (never praise) found in at least MIN_RECURRING of the recent sessions, this one included. */
  recurringPoint?: { text: string; sessions: number; outOf: number };
}

const MIN_FOR_TREND = 2;
/** Accuracy change, in 0..1 units, that counts as a trend rather than noise. */
const TREND_THRESHOLD = 0.03;
const MIN_RECURRING = 3;

/** The zone the person's days are counted in: the session's, else the profile's, else UTC. */
export function zoneFor(session: StoredSession, history: SessionHistory): string {
  if (session.timeZone && isTimeZone(session.timeZone)) return session.timeZone;
  if (history.profileTimeZone && isTimeZone(history.profileTimeZone)) return history.profileTimeZone;
  return 'UTC';
}

export function streakDays(sessionTimestamp: string, activeTimestamps: string[], timeZone: string): number {
  const day = localDateAt(Date.parse(sessionTimestamp), timeZone);
  // Newest first, converting a time to a local date only when it falls before the earliest day
  // counted so far: a year of history costs a few conversions per day of the streak, not one per
  // session (a time-zone conversion is the dear part; a busy person has many sessions a day).
  const times = activeTimestamps.map((ts) => Date.parse(ts)).filter((ms) => !Number.isNaN(ms));
  times.sort((a, b) => b - a);
  // Day offsets relative to the session's day: 0, -1, -2, ... while each has a session.
  let streak = 1;
  let countedFrom = startOfLocalDay(day, timeZone);
  for (const ms of times) {
    if (ms >= countedFrom) continue; // on a day already counted (or after the session's)
    const date = localDateAt(ms, timeZone);
    const offset = daysBetween(day, date);
    if (offset > -streak) continue; // clocks put back over midnight: a day already counted
    if (offset < -streak) break; // a day without a session
    streak += 1;
    countedFrom = startOfLocalDay(date, timeZone);
  }
  return streak;
}

function recurringPoint(session: StoredSession, history: SessionHistory): SessionFacts['recurringPoint'] {
  const considered = [session.feedbackPoints, ...history.recent.map((s) => s.feedbackPoints)];
  const counts = new Map<string, { text: string; sessions: number; inThis: boolean }>();
  considered.forEach((points, index) => {
    // Praise ("Great depth") is not something to work on: only corrections can recur as a focus.
    for (const key of new Set(points.filter((p) => !isPraisePoint(p)).map((p) => p.trim().toLowerCase()).filter(Boolean))) {
      const entry = counts.get(key) ?? { text: points.find((p) => p.trim().toLowerCase() === key)!.trim(), sessions: 0, inThis: index === 0 };
      entry.sessions += 1;
      counts.set(key, entry);
    }
  });
  // Most sessions first; on a tie, a point this session also had (it is the one still current).
  const best = [...counts.values()].sort((a, b) => b.sessions - a.sessions || Number(b.inThis) - Number(a.inThis))[0];
  if (!best || best.sessions < MIN_RECURRING) return undefined;
  return { text: best.text, sessions: best.sessions, outOf: considered.length };
}

export function computeFacts(session: StoredSession, history: SessionHistory): SessionFacts {
  const facts: SessionFacts = {
    exercise: session.exercise,
    reps: session.reps,
    accuracy: session.accuracy,
    firstOfExercise: history.bestReps === undefined,
    newPersonalBest: history.bestReps !== undefined && session.reps > history.bestReps,
    streakDays: streakDays(session.timestamp, history.activeTimestamps, zoneFor(session, history)),
  };
  if (history.bestReps !== undefined) facts.previousBestReps = history.bestReps;
  if (history.recent.length >= MIN_FOR_TREND) {
    const average = history.recent.reduce((sum, s) => sum + s.accuracy, 0) / history.recent.length;
    facts.recentAverageAccuracy = average;
    const change = session.accuracy - average;
    facts.accuracyTrend = change >= TREND_THRESHOLD ? 'up' : change <= -TREND_THRESHOLD ? 'down' : 'steady';
  }
  const recurring = recurringPoint(session, history);
  if (recurring) facts.recurringPoint = recurring;
  return facts;
}
