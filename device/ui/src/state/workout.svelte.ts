/** The workout in progress as the Workout screen shows it: reps, per-rep scores, the live cue, the timer. */
import type { CueEvent, RepEvent, SessionEvent } from '@pose-coach/protocol';
import { UNRECOGNISED } from '../lib/format.ts';

/** A cue stays up this long unless a newer one replaces it. */
export const CUE_SHOW_MS = 5000;

export class WorkoutState {
  active = $state(false);
  sessionId = $state<string | undefined>();
  /** What the agent coaches: an exercise name, or `auto` (recognised from the first reps). */
  configured = $state('auto');
  recognised = $state<string | undefined>();
  reps = $state(0);
  scores = $state<number[]>([]);
  cue = $state<{ text: string; severity: 'info' | 'warn'; at: number } | undefined>();
  startedAt = $state<number | undefined>();

  /** The exercise to name on screen (the recognised one when it was automatic). */
  get exercise(): string | undefined {
    return this.recognised ?? (this.configured === 'auto' ? undefined : this.configured);
  }

  get automatic(): boolean {
    return this.configured === 'auto';
  }

  /** Counting a movement the coach does not know: the count shows, form is not judged (no marks, no cues). */
  get unrecognised(): boolean {
    return this.exercise === UNRECOGNISED;
  }

  /** A plank is held, not counted: the screen shows the hold time instead of reps. */
  get isHold(): boolean {
    return this.exercise === 'plank';
  }

  start(e: SessionEvent, now: number): void {
    if (this.active && e.sessionId === this.sessionId) {
      // A snapshot after a reconnect: catch up on the count without losing the scores seen.
      if (e.reps !== undefined && e.reps > this.reps) this.reps = e.reps;
      return;
    }
    this.active = true;
    this.sessionId = e.sessionId;
    if (e.exercise) this.configured = e.exercise;
    this.recognised = undefined;
    this.reps = e.reps ?? 0;
    this.scores = [];
    this.cue = undefined;
    this.startedAt = e.startedAt ? Date.parse(e.startedAt) : now;
  }

  rep(e: RepEvent, now: number): void {
    if (!this.active) this.start({ type: 'session', state: 'active', sessionId: e.sessionId }, now);
    // The exercise told apart later (an unrecognised count giving way to a known one): its own marks start afresh.
    if (e.exercise !== this.recognised) this.scores = [];
    this.reps = e.count;
    this.recognised = e.exercise;
    if (e.exercise !== UNRECOGNISED) this.scores = [...this.scores, e.score];
    if (e.cues[0]) this.cue = { text: e.cues[0], severity: 'warn', at: now };
  }

  showCue(e: CueEvent, now: number): void {
    this.cue = { text: e.text, severity: e.severity, at: now };
  }

  end(): void {
    this.active = false;
  }

  cueAt(now: number): WorkoutState['cue'] {
    return this.cue && now - this.cue.at < CUE_SHOW_MS ? this.cue : undefined;
  }

  elapsedS(now: number): number {
    return this.startedAt === undefined ? 0 : Math.max(0, (now - this.startedAt) / 1000);
  }
}
