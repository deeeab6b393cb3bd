import { describe, expect, it } from 'vitest';
import { historyAnswerSchema, sessionStats } from '../src/index.ts';

describe('session stats and the agent history contract', () => {
  it('sums reps and duration and averages accuracy, 0 when there is nothing', () => {
    expect(sessionStats([])).toEqual({ totalSessions: 0, totalReps: 0, averageAccuracy: 0, totalDuration: 0 });
    expect(sessionStats([{ reps: 10, accuracy: 0.8, duration: 60 }, { reps: 4, accuracy: 0.6, duration: 30 }])).toEqual({ totalSessions: 2, totalReps: 14, averageAccuracy: 0.7, totalDuration: 90 });
  });

  it('refuses a history answer with an unknown range or sync state, naming the field', () => {
    const ok = { range: 'week', since: '2026-11-23T00:00:00.000Z', sessions: [], stats: sessionStats([]) };
    expect(historyAnswerSchema.parse(ok)).toEqual(ok);
    const badRange = historyAnswerSchema.safeParse({ ...ok, range: 'year' });
    expect(badRange.success).toBe(false);
    expect(badRange.error?.issues[0]?.path).toEqual(['range']);
  });
});
