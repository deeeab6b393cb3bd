/**
 * What the phone app shows, computed from one store's reads (Firestore, the phone's source of
 * truth): stats for today / this week / this month / all time, reps per day and accuracy per
 * exercise over the last days, and the history page by page. Days are the person's own.
 */
import { addDays, assertTimeZone, localDateAt, periodRange, startOfLocalDay, type SessionRepository, type WorkoutSessionRecord } from '@pose-coach/cloud-sync';
import type { SessionStats } from '@pose-coach/protocol';
import { PhoneAppError } from './phoneAppErrors.ts';

// Text bounds of "all time": timestamps are ISO UTC strings and both stores range-compare them as text.
const EARLIEST = '0000-01-01T00:00:00.000Z';
const LATEST = '9999-12-31T23:59:59.999Z';

export function checkTimeZone(tz: string): string {
  try {
    assertTimeZone(tz);
    return tz;
  } catch (err) {
    throw new PhoneAppError('BAD_REQUEST', `tz: ${(err as Error).message}`);
  }
}

export interface Summary {
  timeZone: string;
  periods: Record<'today' | 'week' | 'month' | 'all', SessionStats>;
}

export async function summary(reads: SessionRepository, uid: string, timeZone: string): Promise<Summary> {
  const [today, week, month, all] = await Promise.all([
    reads.stats(uid, periodRange('today', timeZone)),
    reads.stats(uid, periodRange('week', timeZone)),
    reads.stats(uid, periodRange('month', timeZone)),
    reads.stats(uid),
  ]);
  return { timeZone, periods: { today, week, month, all } };
}

/** A name for what was done: the person's name for an `other` session's movement, else the exercise. */
export const activityOf = (s: Pick<WorkoutSessionRecord, 'exercise' | 'movement'>) => (s.exercise === 'other' && s.movement ? s.movement : s.exercise);

export interface Progress {
  timeZone: string;
  /** One entry per local day, oldest first, including days without a workout. */
  days: { date: string; start: string; reps: number; sessions: number }[];
  /** Each activity's sessions, oldest first. */
  accuracy: { activity: string; points: { timestamp: string; accuracy: number }[] }[];
}

const dateText = (d: { year: number; month: number; day: number }) =>
  `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

export async function progress(reads: SessionRepository, uid: string, timeZone: string, dayCount: number, now = new Date()): Promise<Progress> {
  const today = localDateAt(now.getTime(), timeZone);
  const first = addDays(today, 1 - dayCount);
  const starts = Array.from({ length: dayCount + 1 }, (_, i) => startOfLocalDay(addDays(first, i), timeZone));
  const range = { fromIso: new Date(starts[0]!).toISOString(), toIso: new Date(starts[dayCount]!).toISOString() };
  const sessions = (await reads.list(uid, range)).reverse(); // oldest first

  const days = Array.from({ length: dayCount }, (_, i) => ({ date: dateText(addDays(first, i)), start: new Date(starts[i]!).toISOString(), reps: 0, sessions: 0 }));
  const byActivity = new Map<string, { timestamp: string; accuracy: number }[]>();
  for (const s of sessions) {
    const at = Date.parse(s.timestamp);
    // Days are few (≤ 366): a scan from the end finds the day without any zone arithmetic per session.
    let i = dayCount - 1;
    while (i > 0 && starts[i]! > at) i--;
    days[i]!.reps += s.reps;
    days[i]!.sessions += 1;
    const name = activityOf(s);
    byActivity.set(name, [...(byActivity.get(name) ?? []), { timestamp: s.timestamp, accuracy: s.accuracy }]);
  }
  return { timeZone, days, accuracy: [...byActivity].map(([activity, points]) => ({ activity, points })) };
}

export interface HistoryPage {
  sessions: WorkoutSessionRecord[];
  /** Pass as `before` for the next page; null on the last page. */
  next: string | null;
}

/**
 * Newest first, `limit` at a time, older than the cursor `before` (a timestamp). A page never
 * ends in the middle of sessions sharing one timestamp (all of them are on it), so a cursor that
 * is a timestamp skips nothing.
 */
export async function historyPage(reads: SessionRepository, uid: string, limit: number, before?: string): Promise<HistoryPage> {
  const found = await reads.list(uid, { fromIso: EARLIEST, toIso: before ?? LATEST }, limit + 1);
  if (found.length <= limit) return { sessions: found, next: null };
  let page = found.slice(0, limit);
  const boundary = page[limit - 1]!.timestamp;
  if (found[limit]!.timestamp === boundary) {
    // "\u0000" right after it: the range holds exactly the timestamp `boundary`.
    const ties = await reads.list(uid, { fromIso: boundary, toIso: `${boundary}\u0000` });
    page = [...page.filter((s) => s.timestamp !== boundary), ...ties];
    const older = await reads.list(uid, { fromIso: EARLIEST, toIso: boundary }, 1);
    return { sessions: page, next: older.length ? boundary : null };
  }
  return { sessions: page, next: boundary };
}

const CSV_COLUMNS = ['sessionId', 'timestamp', 'exercise', 'movement', 'reps', 'accuracy', 'duration', 'feedbackPoints', 'deviceId', 'createdAt'] as const;

/** RFC 4180 text; a cell a spreadsheet would run as a formula (= + - @) is prefixed with '. */
function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : Array.isArray(value) ? value.join('; ') : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value !== 'number') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function sessionsCsv(sessions: WorkoutSessionRecord[]): string {
  const rows = sessions.map((s) => CSV_COLUMNS.map((c) => csvCell(s[c])).join(','));
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
