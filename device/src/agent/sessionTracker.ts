/**
 * When a workout starts and ends. A session starts with its first rep (somebody walking past the
 * mirror is not a workout), and ends when nobody has been in view for `idleEndS`, or no rep came
 * for three times that, or on demand (the `end-session` command, SIGTERM). Its summary becomes
 * the session payload the outbox keeps.
 */
import { randomUUID } from 'node:crypto';
import type { SessionPayload } from '@pose-coach/protocol';
import type { Coach, CoachEvent, CoachFactory, PoseFrame } from './ports.ts';

export interface SessionTrackerOptions {
  createCoach: CoachFactory;
  exercise: () => string;
  idleEndS: () => number;
  minReps: () => number;
  /** Fields added to every payload (model, appVersion, timeZone). */
  extra: () => Partial<SessionPayload>;
}

export type TrackerEvent =
  | CoachEvent
  | { type: 'session-start'; sessionId: string; exercise: string; startedAt: string }
  | { type: 'session-end'; sessionId: string; payload?: SessionPayload; reason: string };

interface Active {
  sessionId: string;
  startedAt: number;
  lastRepAt: number;
}

export class SessionTracker {
  private coach: Coach;
  private active: Active | undefined;
  private lastSeenAt = 0;
  private firstSeenAt: number | undefined;
  private reps = 0;

  constructor(private readonly opts: SessionTrackerOptions) {
    this.coach = opts.createCoach(opts.exercise());
  }

  get current(): { sessionId: string; startedAt: string; reps: number; exercise: string } | undefined {
    return this.active && {
      sessionId: this.active.sessionId,
      startedAt: new Date(this.active.startedAt).toISOString(),
      reps: this.reps,
      exercise: this.opts.exercise(),
    };
  }

  push(frame: PoseFrame): TrackerEvent[] {
    const out: TrackerEvent[] = [];
    const present = frame.keypoints.length > 0;
    if (present) {
      this.lastSeenAt = frame.frameAt;
      this.firstSeenAt ??= frame.frameAt;
    }
    const idleMs = this.opts.idleEndS() * 1000;
    if (this.active) {
      if (frame.frameAt - this.lastSeenAt > idleMs) out.push(...this.end('nobody in view'));
      else if (frame.frameAt - this.active.lastRepAt > 3 * idleMs) out.push(...this.end('no reps'));
    } else if (!present && this.firstSeenAt !== undefined && frame.frameAt - this.lastSeenAt > idleMs) {
      // Somebody came and went without a rep: start the coach afresh for the next person.
      this.resetCoach();
    }
    for (const e of this.coach.push(frame)) {
      if (e.type === 'rep') {
        if (!this.active) {
          const startedAt = this.firstSeenAt ?? frame.frameAt;
          this.active = { sessionId: randomUUID(), startedAt, lastRepAt: frame.frameAt };
          out.push({ type: 'session-start', sessionId: this.active.sessionId, exercise: this.opts.exercise(), startedAt: new Date(startedAt).toISOString() });
        }
        this.active.lastRepAt = frame.frameAt;
        this.reps = e.count;
      }
      out.push(e);
    }
    return out;
  }

  /** Closes the session in progress (if any) and returns its payload when it is worth keeping. */
  end(reason: string, now = Date.now()): TrackerEvent[] {
    const active = this.active;
    if (!active) {
      this.resetCoach();
      return [];
    }
    const summary = this.coach.finish();
    const endAt = Math.max(Math.min(now, this.lastSeenAt || now), active.lastRepAt);
    this.active = undefined;
    this.resetCoach();
    const keep = summary.reps >= this.opts.minReps();
    const payload: SessionPayload | undefined = keep
      ? {
          ...this.opts.extra(),
          ...summary,
          sessionId: active.sessionId,
          timestamp: new Date(active.startedAt).toISOString(),
          duration: Math.max(0, Math.round((endAt - active.startedAt) / 100) / 10),
        }
      : undefined;
    return [{ type: 'session-end', sessionId: active.sessionId, reason, ...(payload ? { payload } : {}) }];
  }

  private resetCoach(): void {
    this.coach = this.opts.createCoach(this.opts.exercise());
    this.firstSeenAt = undefined;
    this.reps = 0;
  }
}
