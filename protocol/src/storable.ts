/**
 * "Whatever the gateway accepts, both stores can hold" (DESIGN.md, "Session document"): the checks
 * no single field schema expresses. Text is well-formed Unicode (a lone UTF-16 surrogate has no
 * UTF-8 form: Firestore refuses it while MySQL stores a replacement), ids are usable as Firestore
 * path segments, dates are real calendar dates in a plausible window, and the document stays
 * well under Firestore's 1 MiB. Every refusal names the field.
 */

/** Largest session document accepted, as UTF-8 JSON: a quarter of Firestore's 1 MiB limit. */
export const MAX_SESSION_BYTES = 256 * 1024;

/** Largest MQTT packet the gateway's broker reads: a session at its limit plus topic and headers. */
export const MAX_MQTT_PACKET_BYTES = 2 * MAX_SESSION_BYTES;

/**
 * Deepest nesting of arrays and objects accepted (a session's deepest path, repDetails.N.cues.M,
 * is 4). Checked without recursion before anything walks the value: a payload of 20,000 nested
 * objects fits in one packet and would otherwise overflow the stack of the checks below.
 */
export const MAX_SESSION_DEPTH = 16;

/** True when arrays/objects in `value` nest deeper than `max` levels. Iterative, so any depth is safe. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Earliest workout start accepted; the latest is "now" plus this much clock skew. */
export const EARLIEST_SESSION_TIME = '2000-01-01T00:00:00.000Z';
export const MAX_CLOCK_SKEW_MS = 48 * 3600 * 1000;

// With the `u` flag a surrogate pair is one code point, so this matches only a lone surrogate.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when `text` has a UTF-8 form (String.prototype.isWellFormed is ES2024, beyond our lib). */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Why `id` cannot be one Firestore path segment (users/{uid}/workoutSessions/{sessionId}), or
 * undefined when it can. Rules from Firestore's documented constraints on document ids: non-empty,
 * at most 1,500 bytes, no "/", not "." or "..", not of the reserved form __.*__ — plus well-formed
 * text and no control characters, so the id is the same string in MySQL and in a URL.
 */
export function pathSegmentIssue(id: string): string | undefined {
  if (id.length === 0) return 'must not be empty';
  if (!isWellFormedText(id)) return 'must be valid UTF-8 text (it has a lone UTF-16 surrogate)';
  if (Buffer.byteLength(id, 'utf8') > 1500) return 'must be at most 1,500 bytes';
  if (id.includes('/')) return 'must not contain "/" (it names a Firestore document)';
  if (id === '.' || id === '..') return 'must not be "." or ".."';
  if (/^__.*__$/.test(id)) return 'must not have the reserved form __name__';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) return 'must not contain control characters';
  return undefined;
}

/**
 * Why `iso` (already shaped like 2026-11-29T08:15:00.000Z) is not a real calendar time inside
 * the plausible window, or undefined. Date.parse alone accepts Feb 30 (rolled to Mar 2) and 24:00.
 */
export function calendarTimeIssue(iso: string, now: number = Date.now()): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso);
  if (!m) return 'must be an ISO 8601 UTC time such as 2026-11-29T08:15:00.000Z';
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    year === 0 ||
    t.getUTCFullYear() !== year ||
    t.getUTCMonth() !== month - 1 ||
    t.getUTCDate() !== day ||
    t.getUTCHours() !== hour ||
    t.getUTCMinutes() !== minute ||
    t.getUTCSeconds() !== second
  ) {
    return 'must be a real calendar date and time (no Feb 30, no 24:00)';
  }
  const ms = Date.parse(iso);
  if (ms < Date.parse(EARLIEST_SESSION_TIME) || ms > now + MAX_CLOCK_SKEW_MS) {
    return `must be between ${EARLIEST_SESSION_TIME.slice(0, 10)} and two days from now`;
  }
  return undefined;
}

/** The path (e.g. `feedbackPoints.2`) of the first key or string in `value` that is not well-formed text. */
export function malformedTextPath(value: unknown, path: (string | number)[] = []): string | undefined {
  if (typeof value === 'string') return isWellFormedText(value) ? undefined : path.join('.') || '(payload)';
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const bad = malformedTextPath(item, [...path, i]);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!isWellFormedText(key)) return [...path, '(key)'].join('.');
      const bad = malformedTextPath(item, [...path, key]);
      if (bad !== undefined) return bad;
    }
  }
  return undefined;
}

/**
 * The storability checks of a whole parsed payload, before its schema: bounded nesting,
 * well-formed text everywhere and a bounded size. Returns a refusal naming the field, or undefined.
 */
export function storableIssue(data: unknown): string | undefined {
  if (nestedDeeperThan(data, MAX_SESSION_DEPTH)) return `(payload): nests arrays or objects deeper than ${MAX_SESSION_DEPTH} levels`;
  const badText = malformedTextPath(data);
  if (badText !== undefined) return `${badText}: must be valid UTF-8 text (it has a lone UTF-16 surrogate)`;
  const bytes = Buffer.byteLength(JSON.stringify(data) ?? '', 'utf8');
  if (bytes > MAX_SESSION_BYTES) {
    return `(payload): is ${bytes} bytes; a session must stay under ${MAX_SESSION_BYTES} bytes (Firestore documents are limited to 1 MiB)`;
  }
  return undefined;
}

/**
 * The numbers as both stores keep them, decided once before either store sees the session:
 * MySQL's original columns are `duration INT` and `accuracy FLOAT` (about 7 significant digits),
 * so duration is whole seconds and accuracy has 6 decimals in Firestore too.
 */
export function normaliseStoredNumbers<T extends { duration: number; accuracy: number }>(session: T): T {
  return { ...session, duration: Math.round(session.duration), accuracy: Math.round(session.accuracy * 1e6) / 1e6 };
}
