/** Calendar dates in an IANA time zone, with nothing but Intl (no tz database of our own). */

export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new Error(`unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin or UTC`);
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a clear error unless `timeZone` is an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading in `timeZone` at the instant `ms`, as if it were UTC (ms, whole seconds). */
function wallClockAsUtc(ms: number, timeZone: string): number {
  // UTC needs no formatter (the dear part, and the zone of every session that names none).
  if (timeZone === 'UTC') return Math.floor(ms / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** UTC offset of `timeZone` at the instant `ms`, in ms (east positive). */
export function offsetAt(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallClockAsUtc(whole, timeZone) - whole;
}

export function localDateAt(ms: number, timeZone: string): LocalDate {
  const wall = new Date(wallClockAsUtc(ms, timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** Calendar arithmetic (month overflow and all) on a date, zone-free. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Days from a to b (b - a), zone-free. */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/** ISO weekday, Monday = 1 ... Sunday = 7. */
export function isoWeekday(date: LocalDate): number {
  return ((new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7) + 1;
}

/**
 * The first instant of `date` in `timeZone`. Usually local midnight; where a DST change skips
 * midnight (e.g. America/Santiago in September) the day starts at the change, which is the
 * earliest instant whose local date is `date`.
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): number {
  const midnightAsUtc = Date.UTC(date.year, date.month - 1, date.day);
  // The offset in force just before and just after any change near this midnight.
  const offsets = new Set([offsetAt(midnightAsUtc - 86_400_000, timeZone), offsetAt(midnightAsUtc + 86_400_000, timeZone)]);
  const candidates = [...offsets].map((offset) => midnightAsUtc - offset);
  const exact = candidates.filter((ms) => wallClockAsUtc(ms, timeZone) === midnightAsUtc);
  // Two exact candidates: midnight happened twice (clocks went back at midnight); take the first.
  if (exact.length > 0) return Math.min(...exact);
  // No exact one: midnight was skipped; the candidate that falls on `date` (after the jump) is the start.
  const onDate = candidates.filter((ms) => daysBetween(date, localDateAt(ms, timeZone)) === 0);
  if (onDate.length > 0) return Math.min(...onDate);
  throw new Error(`cannot find the start of ${date.year}-${date.month}-${date.day} in ${timeZone}`);
}
