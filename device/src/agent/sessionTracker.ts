/**
 * Turns the coach's session life cycle into sessions the mirror keeps: a UUID when a workout
 * starts, the wall-clock start time (frames carry stream time; the latest frame maps one to the
 * other), and at the end the session payload — unless it is not worth keeping (nothing
 * recognised, fewer than `minReps` reps and no plank hold).
 */
import { randomUUID } from 'node:crypto';
import type { SessionPayload } from '@pose-coach/protocol';
import { createCoach, type CueLanguage, type ExerciseName, type SessionSummary, type ThresholdOverrides } from '../coach/index.ts';
import type { Coach, CoachEvent, CoachFactory, CoachSettings, PoseFrame } from './ports.ts';

/** The coach of device/src/coach with the agent's settings (already validated by the config). */
export const realCoach: CoachFactory = ({ exercise, idleEndS, exercises, thresholds, cueLanguage }) =>
  createCoach({
    exercise: exercise as ExerciseName | 'auto',
    ...(exercises ? { exercises: exercises as ExerciseName[] } : {}),
    ...(thresholds ? { thresholds: thresholds as ThresholdOverrides } : {}),
    ...(cueLanguage ? { language: cueLanguage as CueLanguage } : {}),
    session: { absenceSeconds: idleEndS, restSeconds: Math.max(60, 3 * idleEndS) },
  });

/** What a session payload takes from the coach's summary; undefined when nothing was recognised (somebody walked past). */
function payloadFields(s: SessionSummary): (Pick<SessionPayload, 'exercise' | 'reps' | 'accuracy' | 'duration' | 'feedbackPoints' | 'repDetails' | 'partialReps'> & Pick<Partial<SessionPayload>, 'holdSeconds'>) | undefined {
  if (!s.exercise) return undefined;
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

export interface SessionTrackerOptions {
  createCoach: CoachFactory;
  exercise: () => string;
  idleEndS: () => number;
  minReps: () => number;
  /** The rest of the coach's settings (exercise list, threshold overrides, cue language); read for each new coach. */
  settings?: () => Omit<CoachSettings, 'exercise' | 'idleEndS'>;
  /** Fields added to every payload (model, appVersion, timeZone, pairingId). */
  extra: () => Partial<SessionPayload>;
}

export type TrackerEvent =
  | { type: 'rep'; sessionId: string; exercise: string; count: number; score: number; cues: string[] }
  | { type: 'cue'; text: string; positive: boolean }
  | { type: 'session-start'; sessionId: string; startedAt: string }
  | { type: 'session-end'; sessionId: string; payload?: SessionPayload; reason: string };

export class SessionTracker {
  private coach: Coach;
  private active: { sessionId: string; startedAtMs: number; reps: number } | undefined;
  /** Wall-clock ms of stream time 0, from the latest frame. */
  private epochMs = Date.now();
  private reconfigurePending = false;

  constructor(private readonly opts: SessionTrackerOptions) {
    this.coach = this.newCoach();
  }

  get current(): { sessionId: string; startedAt: string; reps: number; exercise: string } | undefined {
    return (
      this.active && {
        sessionId: this.active.sessionId,
        startedAt: new Date(this.active.startedAtMs).toISOString(),
        reps: this.active.reps,
        exercise: this.opts.exercise(),
      }
    );
  }

  push(frame: PoseFrame): TrackerEvent[] {
    this.epochMs = frame.frameAt - frame.t * 1000;
    return this.map(this.coach.push(frame), 'coach');
  }

  /** Ends the session in progress now; returns its events (with the payload when kept). */
  end(reason: string): TrackerEvent[] {
    return this.map(this.coach.stop(), reason);
  }

  /**
   * The exercise changed (live config): the open session ends and a coach with every current
   * setting takes over, so a new exercise list and the new choice always arrive together.
   */
  setExercise(): TrackerEvent[] {
    const events = this.end('exercise changed');
    this.reconfigurePending = false;
    this.coach = this.newCoach();
    return events;
  }

  /**
   * Coach settings changed (idle end): a new coach takes them, now if no session is open, else
   * when the open one ends, so a live config change never cuts a workout short.
   */
  reconfigure(): void {
    if (this.active) this.reconfigurePending = true;
    else this.coach = this.newCoach();
  }

  /** A new stream (camera restarted): stream time starts again, so the coach does too. */
  restart(reason: string): TrackerEvent[] {
    const events = this.end(reason);
    this.coach = this.newCoach();
    return events;
  }

  private newCoach(): Coach {
    return this.opts.createCoach({ ...this.opts.settings?.(), exercise: this.opts.exercise(), idleEndS: this.opts.idleEndS() });
  }

  private map(events: CoachEvent[], reasonOverride: string): TrackerEvent[] {
    const out: TrackerEvent[] = [];
    for (const e of events) {
      if (e.type === 'session-start') {
        this.active = { sessionId: randomUUID(), startedAtMs: Math.round(this.epochMs + e.t * 1000), reps: 0 };
        out.push({ type: 'session-start', sessionId: this.active.sessionId, startedAt: new Date(this.active.startedAtMs).toISOString() });
      } else if (e.type === 'rep') {
        if (this.active) this.active.reps = e.count;
        out.push({ type: 'rep', sessionId: this.active?.sessionId ?? '', exercise: e.exercise, count: e.count, score: e.rep.score, cues: e.rep.cues });
      } else if (e.type === 'cue') out.push({ type: 'cue', text: e.text, positive: e.positive });
      // exercise-recognised, view, partial (its cue comes as a cue), hold, visibility: not shown live yet.
      else if (e.type === 'session-end' && this.active) {
        const { sessionId, startedAtMs } = this.active;
        this.active = undefined;
        const s = payloadFields(e.summary);
        const keep = s !== undefined && (s.reps >= this.opts.minReps() || (s.holdSeconds ?? 0) > 0);
        const payload: SessionPayload | undefined = keep
          ? { ...this.opts.extra(), ...s, sessionId, timestamp: new Date(startedAtMs).toISOString() }
          : undefined;
        out.push({ type: 'session-end', sessionId, reason: reasonOverride === 'coach' ? e.reason : reasonOverride, ...(payload ? { payload } : {}) });
        if (this.reconfigurePending) {
          this.reconfigurePending = false;
          this.coach = this.newCoach();
        }
      }
    }
    return out;
  }
}
