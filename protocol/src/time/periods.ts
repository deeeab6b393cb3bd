/**
 * "Today", "this week" (ISO, from Monday) and "this month" in a person's own time zone: one rule
 * for the gateway's reads (phone app, API) and the mirror's own history (agent `/api/history`).
 */
import { addDays, assertTimeZone, isoWeekday, localDateAt, startOfLocalDay, type LocalDate } from './zonedTime.ts';

/** Sessions whose `timestamp` is in [fromIso, toIso). */
export interface TimeRange {
  fromIso: string;
  toIso: string;
}

export type Period = 'today' | 'week' | 'month';
export const PERIODS: readonly Period[] = ['today', 'week', 'month'];

/**
 * The period containing `now`, from its first instant in `timeZone` to the first instant of
 * the next one, as UTC ISO strings with milliseconds (the form session timestamps use, so the
 * range compares as text). A DST change inside the period simply makes it an hour shorter or longer.
 */
export function periodRange(period: Period, timeZone: string, now: Date = new Date()): TimeRange {
  assertTimeZone(timeZone);
  if (Number.isNaN(now.getTime())) throw new Error('periodRange: now is not a valid date');
  const today = localDateAt(now.getTime(), timeZone);
  let from: LocalDate;
  let to: LocalDate;
  switch (period) {
    case 'today':
      from = today;
      to = addDays(today, 1);
      break;
    case 'week':
      from = addDays(today, 1 - isoWeekday(today));
      to = addDays(from, 7);
      break;
    case 'month':
      from = { year: today.year, month: today.month, day: 1 };
      to = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
      break;
    default:
      throw new Error(`unknown period "${String(period)}": use one of ${PERIODS.join(', ')}`);
  }
  return {
    fromIso: new Date(startOfLocalDay(from, timeZone)).toISOString(),
    toIso: new Date(startOfLocalDay(to, timeZone)).toISOString(),
  };
}
