/**
 * The fuzzed payloads of bench:consistency: valid sessions, invalid ones and edge cases (bad
 * UTF-8, lone surrogates, path-unsafe ids, odd dates, huge numbers, oversized and deeply nested
 * documents, duplicate and conflicting sessionIds). Each case says, from the documented contract
 * (DESIGN.md "Session document") and not from the gateway's code, whether the gateway must accept
 * it (`queued`/`stored`) or refuse it (`rejected`), and which sessionId its ack names.
 * Seeded, so a run can be repeated case for case.
 */
import { randomUUID } from 'node:crypto';
import { seededRandom } from '@pose-coach/protocol';
import { exampleSession } from '@pose-coach/protocol/testing';

export type Expectation = 'accept' | 'reject';

export interface FuzzCase {
  label: string;
  /** What is published, as is (a string is sent as its UTF-8 bytes). */
  payload: string | Buffer;
  expect: Expectation;
  /** The sessionId the ack names ('' when the payload has none the gateway can read). */
  ackId: string;
  /** Sent by another mirror than the one picked (conflicts), by index into the mirror list. */
  fromMirror?: number;
}

/** A session some mirror had acked, for duplicates and conflicts. */
export interface AckedSession {
  mirror: number;
  sessionId: string;
  payload: string;
}


const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export function createFuzzer(seed: number, opts: { mirrors: number; maxSessionBytes: number }) {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  // The choice of cases is seeded; ids are random, since a rerun against the same stores needs new ones.
  const id = () => randomUUID();

  const text = () =>
    pick([
      'Keep knees aligned',
      'Größere Tiefe, bitte',
      '膝をつま先の方向に',
      'Great depth 💪🏽',
      'tab\there',
      'nul\u0000inside',
      '"quoted" \\ back\\slash',
      'ℌ𝔢𝔩𝔩𝔬 🏋️‍♀️',
      'x'.repeat(200),
      '😀'.repeat(100),
    ]);

  /** A valid session with varied, in-range values. */
  function valid(): Record<string, unknown> {
    const s: Record<string, unknown> = exampleSession({
      sessionId: id(),
      exercise: pick(['squat', 'pushup', 'lunge', 'plank', 'other', 'a_', 'z'.repeat(41)]),
      reps: pick([0, 1, 12, 10_000, int(0, 200)]),
      accuracy: pick([0, 1, 0.5, 0.123456789, 1e-7, rnd()]),
      timestamp: iso(Date.now() - int(0, 30 * 24) * HOUR - int(0, 3599_999)),
      duration: pick([0, 0.5, 61.6, 86_400, rnd() * 3600]),
      feedbackPoints: Array.from({ length: int(0, 5) }, text),
    });
    if (rnd() < 0.3) s.repDetails = Array.from({ length: int(0, 20) }, (_, i) => ({ start: i, end: i + 0.9, score: rnd(), cues: rnd() < 0.5 ? [text()] : [] }));
    if (rnd() < 0.2) s.partialReps = int(0, 10_000);
    if (rnd() < 0.2) s.holdSeconds = pick([0, 86_400, rnd() * 100]);
    if (rnd() < 0.2) s.model = pick(['movenet-lightning', 'm'.repeat(100)]);
    if (rnd() < 0.2) s.timeZone = pick(['Europe/Berlin', 'Asia/Kolkata', 'America/St_Johns', 'Mars/Olympus_Mons']);
    if (rnd() < 0.05) s.simulated = true;
    if (rnd() < 0.05) s.unknownExtraField = { nested: [1, 2, 3] }; // stripped, not refused
    return s;
  }

  const accept = (label: string, s: Record<string, unknown>): FuzzCase => ({ label, payload: JSON.stringify(s), expect: 'accept', ackId: String(s.sessionId) });
  const reject = (label: string, s: Record<string, unknown>, ackId = String(s.sessionId)): FuzzCase => ({ label, payload: JSON.stringify(s), expect: 'reject', ackId });

  /** Valid edge cases: the limits themselves, on the accepting side. */
  function validEdge(): FuzzCase {
    const s = valid();
    const now = Date.now();
    return pick<() => FuzzCase>([
      () => accept('timestamp at the earliest accepted instant', { ...s, timestamp: '2000-01-01T00:00:00.000Z' }),
      () => accept('timestamp 47 h ahead (clock skew)', { ...s, timestamp: iso(now + 47 * HOUR) }),
      () => accept('timestamp on a real leap day', { ...s, timestamp: '2024-02-29T23:59:59.999Z' }),
      () => accept('timestamp without fraction', { ...s, timestamp: '2026-03-01T00:00:00Z' }),
      () => accept('timestamp with 6 decimals', { ...s, timestamp: '2026-06-30T12:00:00.123456Z' }),
      () => accept('negative zero', { ...s, reps: -0, duration: -0, accuracy: -0 }),
      () => accept('denormal accuracy', { ...s, accuracy: 5e-324 }),
      () => ({ label: 'whole number written as 12.0', payload: JSON.stringify({ ...s, reps: 12 }).replace('"reps":12', '"reps":12.0'), expect: 'accept', ackId: String(s.sessionId) }),
      () => accept('20 feedback points of 200 emoji units', { ...s, feedbackPoints: Array.from({ length: 20 }, () => '😀'.repeat(100)) }),
      () => accept('20 feedback points of 200 escaped control characters', { ...s, feedbackPoints: Array.from({ length: 20 }, () => '\u0001'.repeat(200)) }),
      () => {
        // Just under the size limit: repDetails grown to about 95 % of it.
        const rep = { start: 1, end: 2, score: 0.5, cues: ['c'.repeat(150)] };
        const each = Buffer.byteLength(JSON.stringify(rep)) + 1;
        const n = Math.floor((opts.maxSessionBytes * 0.95 - Buffer.byteLength(JSON.stringify(s))) / each);
        return accept('document just under the size limit', { ...s, repDetails: Array.from({ length: n }, () => rep) });
      },
      () => ({ label: 'duplicate key (the last one counts)', payload: `{"reps":-5,${JSON.stringify(s).slice(1)}`, expect: 'accept', ackId: String(s.sessionId) }),
      () => ({ label: 'UTF-8 byte-order mark (RFC 8259: may be ignored)', payload: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(s))]), expect: 'accept', ackId: String(s.sessionId) }),
    ])();
  }

  /** Schema violations: each names a field the gateway must refuse. */
  function invalid(): FuzzCase {
    const s = valid();
    return pick<() => FuzzCase>([
      () => reject('missing reps', { ...s, reps: undefined }),
      () => reject('reps as text', { ...s, reps: '12' }),
      () => reject('reps fractional', { ...s, reps: 1.5 }),
      () => reject('reps negative', { ...s, reps: -1 }),
      () => reject('reps 2^53+2', { ...s, reps: 2 ** 53 + 2 }),
      () => reject('accuracy above 1', { ...s, accuracy: 1.0000001 }),
      () => reject('duration 1e308', { ...s, duration: 1e308 }),
      () => reject('holdSeconds 1e308', { ...s, holdSeconds: 1e308 }),
      () => reject('partialReps 1e9', { ...s, partialReps: 1e9 }),
      () => reject('repDetails end 1e308', { ...s, repDetails: [{ start: 0, end: 1e308, score: 0.5 }] }),
      () => reject('exercise upper case', { ...s, exercise: 'Squat' }),
      () => reject('exercise with a slash', { ...s, exercise: 'squat/../x' }),
      () => reject('21 feedback points', { ...s, feedbackPoints: Array.from({ length: 21 }, () => 'x') }),
      () => reject('feedback point of 201 units', { ...s, feedbackPoints: ['x'.repeat(201)] }),
      () => reject('empty feedback point', { ...s, feedbackPoints: [''] }),
      () => reject('feedbackPoints not an array', { ...s, feedbackPoints: 'Keep going' }),
      () => reject('simulated false', { ...s, simulated: false }),
      () => reject('model of 101 characters', { ...s, model: 'm'.repeat(101) }),
      () => reject('null reps', { ...s, reps: null }),
      () => ({ label: 'reps 1e999 (Infinity)', payload: JSON.stringify(s).replace(/"reps":-?[\d.e+-]+/, '"reps":1e999'), expect: 'reject', ackId: String(s.sessionId) }),
      () => ({ label: 'sessionId as a number', payload: JSON.stringify({ ...s, sessionId: 12345 }), expect: 'reject', ackId: '' }),
      () => reject('sessionId "../.."', { ...s, sessionId: `../..${id().slice(0, 8)}` }),
      () => reject('sessionId with a slash', { ...s, sessionId: `a/${id()}` }),
      () => reject('sessionId __reserved__', { ...s, sessionId: `__${id().slice(0, 8)}__` }),
      () => reject('sessionId not a UUID', { ...s, sessionId: `not-a-uuid-${id().slice(0, 8)}` }),
      () => {
        const long = `${id()}${'x'.repeat(264)}`;
        return reject('sessionId of 300 characters', { ...s, sessionId: long }, long.slice(0, 100));
      },
    ])();
  }

  function encoding(): FuzzCase {
    const s = valid();
    return pick<() => FuzzCase>([
      () => reject('lone high surrogate in feedbackPoints', { ...s, feedbackPoints: ['ok', 'bad \ud800 text'] }),
      () => reject('lone low surrogate in model', { ...s, model: 'm\udc00' }),
      () => reject('lone surrogate in a key', { ...s, ['k\ud83d']: 1 }),
      () => reject('lone surrogate in a repDetails cue', { ...s, repDetails: [{ start: 0, end: 1, score: 0.5, cues: ['\udfff'] }] }),
      () => ({
        label: 'bytes that are not UTF-8',
        payload: Buffer.concat([Buffer.from(JSON.stringify(s).slice(0, -1) + ',"model":"'), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from('"}')]),
        expect: 'reject',
        ackId: String(s.sessionId),
      }),
      () => ({ label: 'overlong UTF-8 slash', payload: Buffer.concat([Buffer.from(JSON.stringify({ ...s, exercise: 'squat' }).slice(0, -1) + ',"timeZone":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), expect: 'reject', ackId: String(s.sessionId) }),
      () => ({ label: 'UTF-16 text', payload: Buffer.from(JSON.stringify(s), 'utf16le'), expect: 'reject', ackId: '' }),
    ])();
  }

  function dates(): FuzzCase {
    const s = valid();
    const now = Date.now();
    const bad = pick([
      '2026-02-30T08:00:00.000Z',
      '2025-02-29T08:00:00.000Z',
      '2026-11-29T24:00:00.000Z',
      '2026-12-31T23:59:60.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '1999-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      iso(now + 49 * HOUR),
      '2026-11-29T08:15:00.000+01:00',
      '2026-11-29T08:15:00.000',
      '2026-11-29 08:15:00Z',
      '2026-11-29T08:15:00.1234567Z',
      '+002026-11-29T08:15:00.000Z',
      '',
    ]);
    return reject(`timestamp ${bad || '(empty)'}`, { ...s, timestamp: bad });
  }

  function oversized(): FuzzCase {
    const s = valid();
    const rep = { start: 1, end: 2, score: 0.5, cues: ['c'.repeat(150)] };
    const each = Buffer.byteLength(JSON.stringify(rep)) + 1;
    const n = Math.ceil((opts.maxSessionBytes * 1.05) / each);
    return reject('document over the size limit', { ...s, repDetails: Array.from({ length: n }, () => rep) });
  }

  function garbage(): FuzzCase {
    const s = valid();
    const json = JSON.stringify(s);
    return pick<() => FuzzCase>([
      () => ({ label: 'truncated JSON', payload: json.slice(0, int(1, json.length - 1)), expect: 'reject', ackId: '' }),
      () => ({ label: 'empty payload', payload: '', expect: 'reject', ackId: '' }),
      () => ({ label: 'null', payload: 'null', expect: 'reject', ackId: '' }),
      () => ({ label: 'an array', payload: `[${json}]`, expect: 'reject', ackId: '' }),
      () => ({ label: 'a string', payload: JSON.stringify(json), expect: 'reject', ackId: '' }),
      () => ({ label: 'random bytes', payload: Buffer.from(Array.from({ length: int(1, 300) }, () => int(0, 255))), expect: 'reject', ackId: '' }),
      () => ({ label: 'arrays nested 100,000 deep', payload: '['.repeat(100_000) + ']'.repeat(100_000), expect: 'reject', ackId: '' }),
      () => ({ label: 'objects nested 20,000 deep in a field', payload: json.slice(0, -1) + ',"model":' + '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000) + '}', expect: 'reject', ackId: String(s.sessionId) }),
      () => ({ label: '__proto__ key', payload: json.slice(0, -1) + ',"__proto__":{"reps":-1}}', expect: 'accept', ackId: String(s.sessionId) }),
    ])();
  }

  return {
    /**
     * The next case. `acked` holds sessions mirrors have had acked so far (for duplicates and
     * conflicts); `mirror` is the mirror that will send it.
     */
    next(mirror: number, acked: AckedSession[]): FuzzCase {
      const r = rnd();
      const own = acked.filter((a) => a.mirror === mirror);
      const others = acked.filter((a) => a.mirror !== mirror);
      if (r < 0.35) return accept('valid', valid());
      if (r < 0.47) return validEdge();
      if (r < 0.52 && own.length) {
        const a = pick(own);
        return { label: 'duplicate of an acked session, same mirror', payload: a.payload, expect: 'accept', ackId: a.sessionId };
      }
      if (r < 0.55 && own.length) {
        // Same id, other values, same mirror: a mirror's own retry; the first stored version stays in both stores.
        const a = pick(own);
        return { label: 'acked sessionId re-sent with other values, same mirror', payload: JSON.stringify({ ...JSON.parse(a.payload), reps: int(0, 99) }), expect: 'accept', ackId: a.sessionId };
      }
      if (r < 0.6 && others.length) {
        const a = pick(others);
        return { label: 'sessionId acked for another person\'s mirror', payload: JSON.stringify({ ...JSON.parse(a.payload), reps: int(0, 99) }), expect: 'reject', ackId: a.sessionId };
      }
      if (r < 0.61) return reject('pairingId of no pairing of this mirror', { ...valid(), pairingId: `p-${id()}` });
      if (r < 0.78) return invalid();
      if (r < 0.85) return encoding();
      if (r < 0.92) return dates();
      if (r < 0.93) return oversized();
      return garbage();
    },
  };
}
