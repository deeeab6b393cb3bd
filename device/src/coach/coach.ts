/**
 * The coach: frames of keypoints in, rep/cue/session events out. Pure (no clock, no I/O), so the
 * mirror, the CLI and the tests drive it the same way. Per frame:
 *
 *   smooth keypoints → features → view → session lifecycle → exercise tracker(s) → cues
 *
 * With `exercise: 'auto'` every exercise is tracked side by side until one is recognised;
 * the coach then keeps the recognised one's reps and watches for a change of exercise, which
 * closes the session and opens another (its counter starts from the new exercise's reps).
 */
import { CueBook, DEFAULT_CUES, type CueOptions } from './cues.ts';
import { cueTranslator, type CueLanguage } from './cueLanguage.ts';
import { EXERCISE_MODULES } from './exercises/index.ts';
import { computeFeatures, ThighGauge, type Features } from './features.ts';
import { mean } from './geometry.ts';
import { DEFAULT_RECOGNITION, recognise, type RecognitionOptions } from './recogniser.ts';
import { DEFAULT_SESSION, SessionClock, type SessionOptions } from './sessionClock.ts';
import { DEFAULT_STEADY_SMOOTHING, SteadyKeypointSmoother, type SteadySmoothingOptions } from '@pose-coach/inference/smoothing';
import { resolveThresholds, type AnyThresholds, type HoldThresholds, type RepThresholds, type ThresholdOverrides } from './thresholds.ts';
import { HoldTracker, RepTracker, type ExerciseTracker, type ScoredRep } from './tracker.ts';
import { DEFAULT_PERIODIC, PeriodicCounter, type PeriodicOptions } from './periodic.ts';
import { EXERCISES, type CoachEvent, type CountedExercise, type ExerciseName, type PoseFrame, type SessionEndReason, type SessionSummary, type View } from './types.ts';
import { DEFAULT_VIEW, ViewTracker, type ViewOptions } from './view.ts';
import { DEFAULT_VISIBILITY, VisibilityWatch, type VisibilityOptions, type VisibilityReport } from './visibility.ts';

export interface CoachOptions {
  /** The exercise the person chose, or 'auto' (default) to recognise it from the first movements. */
  exercise?: ExerciseName | 'auto';
  /** Overrides of the per-exercise threshold files (fleet config). */
  thresholds?: ThresholdOverrides;
  /** The exercises auto-recognition considers (default: all); a chosen exercise must be one of them. */
  exercises?: readonly ExerciseName[];
  /** Language of cues and feedback points (default English). */
  language?: CueLanguage;
  session?: Partial<SessionOptions>;
  cues?: Partial<CueOptions>;
  recognition?: Partial<RecognitionOptions>;
  smoothing?: Partial<SteadySmoothingOptions>;
  view?: Partial<ViewOptions>;
  /** Counting a movement no exercise rule knows (auto only); `false` turns it off. */
  periodic?: Partial<PeriodicOptions> | false;
  visibility?: Partial<VisibilityOptions>;
}

export interface Coach {
  /** Feeds one frame (in time order); returns what happened. */
  push(frame: PoseFrame): CoachEvent[];
  /** Explicit stop: ends the open session, if any. */
  stop(): CoachEvent[];
  /** Changes the exercise ('auto' to recognise again): ends the open session, the counter restarts. */
  setExercise(exercise: ExerciseName | 'auto'): CoachEvent[];
  /** Ends the open session at the last frame and returns the last session's summary. */
  finish(): SessionSummary;
  /** Every session ended so far, in order. */
  readonly sessions: readonly SessionSummary[];
  readonly exercise: CountedExercise | null;
  readonly view: View | null;
  /** The last time someone was seen without the body parts counting needs (visibility.ts), if ever. */
  readonly tooLittleVisible: VisibilityReport | undefined;
}

export class CoachConfigError extends Error {
  override name = 'CoachConfigError';
}

interface OpenSession {
  start: number;
  lastT: number;
  auto: boolean;
  exercise: CountedExercise | null;
  trackers: Map<ExerciseName, ExerciseTracker>;
  active: ExerciseTracker | undefined;
  reps: ScoredRep[];
  partials: number;
  partialScores: number[];
  cues: CueBook;
  lastHoldSecond: number;
  /** Auto only: counts any repetitive movement, for when no exercise is recognised (`other`). */
  periodic: PeriodicCounter | undefined;
  /** Exercises whose rule counted too few of the movement's repetitions: not recognised again this session. */
  doubted: Set<ExerciseName>;
}

interface Seen {
  f: Features;
  frame: PoseFrame;
}

const REPLAY_SECONDS = 1;

/**
 * Repetitions of a clear periodic movement from which an exercise rule counting half of them or
 * fewer is doubted; while the session goes on, only once the rule is this many reps behind (its
 * first reps may come later than the movement's first cycles).
 */
const MIN_OTHER_DOUBT = 4;

/** Mean score of every attempt: a partial rep (too shallow to count) is an attempt that scores low. */
function accuracyOf(s: OpenSession): number {
  const scores = [...s.reps.map((r) => r.score), ...s.partialScores];
  return scores.length ? mean(scores) : 0;
}

export function createCoach(options: CoachOptions = {}): Coach {
  let choice: ExerciseName | 'auto' = options.exercise ?? 'auto';
  if (choice !== 'auto' && !EXERCISES.includes(choice)) {
    throw new CoachConfigError(`unknown exercise "${String(choice)}"; choose one of ${EXERCISES.join(', ')} or auto`);
  }
  const candidates: readonly ExerciseName[] = options.exercises ?? EXERCISES;
  const unknown = candidates.filter((e) => !EXERCISES.includes(e));
  if (unknown.length || !candidates.length) throw new CoachConfigError(`exercises must name some of ${EXERCISES.join(', ')}; got ${JSON.stringify(candidates)}`);
  const allowed = (e: ExerciseName | 'auto') => {
    if (e !== 'auto' && !candidates.includes(e)) throw new CoachConfigError(`exercise "${e}" is not in this mirror's exercise list (${candidates.join(', ')})`);
  };
  allowed(choice);
  const translate = cueTranslator(options.language);
  const thresholds = resolveThresholds(options.thresholds);
  const sessionOpts: SessionOptions = { ...DEFAULT_SESSION, ...options.session };
  const cueOpts: CueOptions = { ...DEFAULT_CUES, ...options.cues };
  const recOpts: RecognitionOptions = { ...DEFAULT_RECOGNITION, ...options.recognition };
  const smoother = new SteadyKeypointSmoother<PoseFrame>({ ...DEFAULT_STEADY_SMOOTHING, ...options.smoothing });
  const views = new ViewTracker({ ...DEFAULT_VIEW, ...options.view });
  const clock = new SessionClock(sessionOpts);
  const thighs = new ThighGauge();
  const visibility = new VisibilityWatch({ ...DEFAULT_VISIBILITY, ...options.visibility });
  const sessions: SessionSummary[] = [];
  let open: OpenSession | undefined;
  let recent: Seen[] = []; // replayed into the trackers when a session starts
  let lastT = 0;

  const makeTracker = (name: ExerciseName): ExerciseTracker => {
    const ex = EXERCISE_MODULES[name];
    const th: AnyThresholds = thresholds[name];
    return ex.kind === 'hold' ? new HoldTracker(ex, th as HoldThresholds) : new RepTracker(ex, th as RepThresholds);
  };

  const periodicOpts: PeriodicOptions | undefined = options.periodic === false ? undefined : { ...DEFAULT_PERIODIC, ...options.periodic };

  function openSession(t: number, exercise: ExerciseName | null, events: CoachEvent[], carried: ScoredRep[] = []): OpenSession {
    const auto = choice === 'auto';
    const names = auto ? [...candidates] : [choice as ExerciseName];
    const trackers = new Map(names.map((n) => [n, makeTracker(n)] as const));
    const s: OpenSession = {
      start: t,
      lastT: t,
      auto,
      exercise: auto ? exercise : (choice as ExerciseName),
      trackers,
      active: auto ? (exercise ? trackers.get(exercise) : undefined) : trackers.get(choice as ExerciseName),
      reps: [],
      partials: 0,
      partialScores: [],
      cues: new CueBook(cueOpts),
      lastHoldSecond: 0,
      periodic: auto && periodicOpts ? new PeriodicCounter(periodicOpts) : undefined,
      doubted: new Set(),
    };
    clock.started(t);
    events.push({ type: 'session-start', t, exercise: s.exercise });
    if (s.exercise && auto) events.push({ type: 'exercise-recognised', t, exercise: s.exercise, auto: true });
    for (const r of carried) addRep(s, r, events);
    return s;
  }

  function summary(s: OpenSession): SessionSummary {
    const hold = s.exercise === 'plank';
    const other = s.exercise === 'other';
    const details = s.reps.map((r) => ({
      start: round(Math.max(0, r.start - s.start)),
      end: round(Math.max(0, r.end - s.start)),
      score: round(r.score, 3),
      cues: s.cues.correctionsFor(r.checks).map((c) => translate(c.say)),
    }));
    const out: SessionSummary = {
      exercise: s.exercise,
      reps: hold ? 0 : s.reps.length,
      accuracy: other ? 0 : round(accuracyOf(s), 3),
      duration: round(Math.max(0, s.lastT - s.start)),
      // Form is judged only where the exercise is known.
      feedbackPoints: other ? [] : s.cues.feedbackPoints().map(translate),
      repDetails: details,
      partialReps: s.partials,
      startedAt: round(s.start),
      view: views.current,
    };
    if (hold) out.holdSeconds = round(s.active?.holdSeconds ?? 0);
    return out;
  }

  function closeSession(reason: SessionEndReason, t: number, events: CoachEvent[]): void {
    const s = open;
    if (!s) return;
    const last = s.active?.finish();
    if (last?.kind === 'hold' && last.segment) addRep(s, last.segment, events);
    if (s.auto) settle(s, t, events, true);
    const sum = summary(s);
    sessions.push(sum);
    events.push({ type: 'session-end', t, reason, summary: sum });
    open = undefined;
  }

  function addRep(s: OpenSession, rep: ScoredRep, events: CoachEvent[]): void {
    s.reps.push(rep);
    clock.active(rep.end);
    const spoken = s.cues.afterRep(rep.end, rep.checks, rep.score);
    if (s.exercise !== 'plank' && s.exercise) {
      const cues = s.cues.correctionsFor(rep.checks).map((c) => translate(c.say));
      events.push({ type: 'rep', t: rep.end, exercise: s.exercise, count: s.reps.length, rep: { start: rep.start - s.start, end: rep.end - s.start, score: rep.score, cues } });
    }
    for (const c of spoken) events.push({ type: 'cue', t: rep.end, text: translate(c.text), positive: c.positive });
  }

  /** The session becomes `other` (or stays it): reps are the periodic counter's cycles. */
  function countOther(s: OpenSession, t: number, events: CoachEvent[], closing = false): void {
    const st = s.periodic?.current;
    if (!st || st.count === 0) return;
    if (s.exercise !== 'other') {
      s.exercise = 'other';
      s.active = undefined;
      s.reps = [];
      s.partials = 0;
      s.partialScores = [];
      events.push({ type: 'exercise-recognised', t, exercise: 'other', auto: true });
    }
    for (let i = s.reps.length; i < st.count; i++) {
      const c = st.cycles[i] ?? { start: t, end: t };
      addRep(s, { start: c.start, end: c.end, score: 0, checks: [], signature: true }, events);
    }
    // At the end the whole movement is known: its cycles replace the times guessed live from the
    // first few (an early analysis may place the first reps at a shorter period).
    if (closing && st.cycles.length === s.reps.length) s.reps = st.cycles.map((c) => ({ start: c.start, end: c.end, score: 0, checks: [], signature: true }));
  }

  /**
   * Auto: what the session is counting. A recognised exercise wins over `other`, unless its rule
   * saw at most half of the repetitions the body clearly made (then it is not that exercise). At
   * the session's end, a single rep of one exercise's signature is enough when nothing repeated.
   */
  function settle(s: OpenSession, t: number, events: CoachEvent[], closing: boolean): void {
    if (closing) s.periodic?.finish();
    const periodic = s.periodic?.current.count ?? 0;
    const known = s.active && s.exercise !== 'other' && s.exercise !== 'plank' ? s.reps.length : undefined;
    if (known !== undefined && periodic >= MIN_OTHER_DOUBT && known <= periodic / 2 && (closing || periodic - known >= MIN_OTHER_DOUBT)) {
      s.doubted.add(s.exercise as ExerciseName);
      countOther(s, t, events, closing);
      return;
    }
    if (!s.active) {
      const opts = closing && periodic === 0 ? { ...recOpts, reps: 1 } : recOpts;
      const name = recognise(s.trackers, opts, -Infinity, opts.reps, s.doubted);
      if (name) {
        adopt(s, name, t, events);
        return;
      }
      countOther(s, t, events, closing);
    }
  }

  function adopt(s: OpenSession, name: ExerciseName, t: number, events: CoachEvent[]): void {
    const tr = s.trackers.get(name)!;
    s.exercise = name;
    s.active = tr;
    s.reps = []; // a provisional `other` count gives way to the exercise's own
    s.partials = tr.partials;
    s.partialScores = [...tr.partialScores];
    events.push({ type: 'exercise-recognised', t, exercise: name, auto: true });
    for (const r of tr.reps) addRep(s, r, events);
  }

  function track(s: OpenSession, f: Features, frame: PoseFrame, view: View, events: CoachEvent[]): void {
    s.periodic?.push(frame);
    for (const tr of s.trackers.values()) {
      const out = tr.push(f, view);
      if (!out || tr !== s.active) continue;
      if (out.kind === 'rep') addRep(s, out.rep, events);
      else if (out.kind === 'partial') {
        s.partials++;
        s.partialScores.push(out.score);
        clock.active(out.end);
        const ex = EXERCISE_MODULES[tr.name];
        const cue = ex.kind === 'reps' ? ex.partialCue : undefined;
        if (cue) {
          s.cues.note(cue);
          events.push({ type: 'partial', t: out.end, exercise: tr.name, count: s.partials, cue: translate(cue.say) });
          const said = s.cues.say(out.end, cue.say, false);
          if (said) events.push({ type: 'cue', t: out.end, text: translate(said.text), positive: false });
        }
      } else {
        clock.active(f.t);
        if (out.segment) addRep(s, out.segment, events);
        const whole = Math.floor(out.seconds);
        if (whole > s.lastHoldSecond) {
          s.lastHoldSecond = whole;
          events.push({ type: 'hold', t: f.t, seconds: whole });
        }
      }
    }
    if (!s.auto) return;
    settle(s, f.t, events, false);
    if (!s.active || s.exercise === 'other') return;
    // A different exercise taking over: close this session, open one for the new exercise.
    const since = s.reps.length ? s.reps[s.reps.length - 1]!.end : s.start;
    const others = new Map([...s.trackers].filter(([n]) => n !== s.exercise));
    const next = recognise(others, recOpts, since, recOpts.switchReps);
    if (next && next !== 'plank') {
      const carried = s.trackers.get(next)!.reps.filter((r) => r.end > since);
      closeSession('exercise-changed', f.t, events);
      open = openSession(carried[0]?.start ?? f.t, next, events, carried);
    }
  }

  return {
    push(frame) {
      const events: CoachEvent[] = [];
      const smoothed = smoother.push(frame);
      const f = computeFeatures(smoothed, thighs);
      const seen: Seen = { f, frame: smoothed };
      lastT = frame.t;
      // The recognised exercise's needs once known; before that, what any counting needs.
      const need = choice !== 'auto' ? choice : open?.exercise && open.exercise !== 'other' ? open.exercise : 'auto';
      const lacking = visibility.push(smoothed, need);
      if (lacking) {
        const text = translate(lacking.say);
        events.push({ type: 'visibility', t: lacking.t, missing: lacking.missing, text });
        events.push({ type: 'cue', t: lacking.t, text, positive: false });
      }
      const changed = f.present ? views.push(f) : undefined;
      if (open) {
        open.lastT = f.present ? f.t : open.lastT;
        if (changed) events.push({ type: 'view', t: f.t, view: changed });
        clock.seen(f);
        const reason = clock.expired(f.t);
        if (reason) {
          closeSession(reason, f.t, events);
          return events;
        }
        track(open, f, smoothed, views.view, events);
        return events;
      }
      recent.push(seen);
      while (recent.length && recent[0]!.f.t < f.t - REPLAY_SECONDS) recent.shift();
      if (clock.readyToStart(f)) {
        const replay = recent;
        recent = [];
        open = openSession(replay[0]?.f.t ?? f.t, null, events);
        if (views.current) events.push({ type: 'view', t: f.t, view: views.current });
        for (const g of replay) {
          if (open) open.lastT = g.f.present ? g.f.t : open.lastT;
          if (open) track(open, g.f, g.frame, views.view, events);
        }
      }
      return events;
    },
    stop() {
      const events: CoachEvent[] = [];
      closeSession('stop', lastT, events);
      return events;
    },
    setExercise(exercise) {
      if (exercise !== 'auto' && !EXERCISES.includes(exercise)) throw new CoachConfigError(`unknown exercise "${String(exercise)}"; choose one of ${EXERCISES.join(', ')} or auto`);
      allowed(exercise);
      const events: CoachEvent[] = [];
      closeSession('exercise-changed', lastT, events);
      choice = exercise;
      return events;
    },
    finish() {
      closeSession('end-of-stream', lastT, []);
      return sessions[sessions.length - 1] ?? emptySummary(choice === 'auto' ? null : choice, lastT);
    },
    get sessions() {
      return sessions;
    },
    get exercise() {
      return open?.exercise ?? (choice === 'auto' ? null : choice);
    },
    get view() {
      return views.current;
    },
    get tooLittleVisible() {
      return visibility.last;
    },
  };
}

export function emptySummary(exercise: ExerciseName | null, t = 0): SessionSummary {
  return { exercise, reps: 0, accuracy: 0, duration: 0, feedbackPoints: [], repDetails: [], partialReps: 0, startedAt: round(t), view: null, ...(exercise === 'plank' ? { holdSeconds: 0 } : {}) };
}

function round(v: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
