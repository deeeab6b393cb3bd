/**
 * Everything the mirror shows, from the agent's live events: one handler per event type behind
 * a thin dispatcher, and which screen is up derived from the state (connecting → idle ↔ framing →
 * workout → summary → idle, history on request or in turn with idle).
 */
import type { CueEvent, HelloEvent, LinkEvent, LiveEvent, OutboxEvent, PoseEvent, RepEvent, SessionEvent } from '@pose-coach/protocol';
import type { ConnectionState, HealthAnswer, MirrorBackend } from '../live/backend.ts';
import { FrameMeter } from '../lib/frameMeter.ts';
import { PoseBuffer } from '../lib/poseBuffer.ts';
import { Clock } from './clock.svelte.ts';
import { HistoryState } from './history.svelte.ts';
import { Presence } from './presence.svelte.ts';
import { SummaryState, type SummaryOptions } from './summary.svelte.ts';
import { UnpairState } from './unpair.svelte.ts';
import { WorkoutState } from './workout.svelte.ts';

export type Screen = 'connecting' | 'idle' | 'framing' | 'workout' | 'summary' | 'history';

export interface Alert {
  kind: 'agent' | 'camera' | 'gateway';
  text: string;
}

export interface MirrorOptions {
  backend: MirrorBackend;
  /** How long the summary stays up after a workout (ms). */
  summaryHoldMs?: number;
  /** Idle alternates with History (seconds each) while paired; null: Idle stays. */
  rotation?: { idleS: number; historyS: number } | null;
  /** How often the agent's health (camera) is asked (ms); 0: never. */
  healthEveryMs?: number;
  summary?: SummaryOptions;
  now?: () => number;
}

export class MirrorState {
  connection = $state<ConnectionState>('connecting');
  connectionDetail = $state<string | undefined>();
  everConnected = $state(false);
  hello = $state<HelloEvent | undefined>();
  link = $state<LinkEvent | undefined>();
  outbox = $state<OutboxEvent | undefined>();
  health = $state<HealthAnswer | undefined>();
  /** `history` when asked for (hash route, key); `auto` follows the workout. */
  route = $state<'auto' | 'history'>('auto');

  readonly clock: Clock;
  readonly pose = new PoseBuffer();
  readonly frames = new FrameMeter();
  readonly presence = new Presence();
  readonly workout = new WorkoutState();
  readonly summary: SummaryState;
  readonly history: HistoryState;
  readonly unpair: UnpairState;

  private readonly now: () => number;
  private stops: (() => void)[] = [];

  constructor(private readonly opts: MirrorOptions) {
    this.now = opts.now ?? Date.now;
    this.clock = new Clock(this.now);
    this.summary = new SummaryState(opts.backend, opts.summary);
    this.history = new HistoryState(opts.backend);
    this.unpair = new UnpairState(opts.backend);
  }

  readonly screen: Screen = $derived.by(() => this.pickScreen());
  readonly alerts: Alert[] = $derived.by(() => this.pickAlerts());

  get simulated(): boolean {
    return this.hello?.simulated ?? false;
  }
  get paired(): boolean {
    return this.link?.paired === true;
  }
  get displayName(): string | undefined {
    return this.paired ? this.link?.displayName : undefined;
  }

  start(): void {
    this.clock.start();
    this.stops.push(() => this.clock.stop());
    this.stops.push(
      this.opts.backend.connect({
        event: (e) => this.apply(e),
        connection: (state, detail) => {
          this.connection = state;
          this.connectionDetail = detail;
          if (state === 'open') this.everConnected = true;
        },
      }),
    );
    const presenceTimer = setInterval(() => this.presence.expire(this.now()), 500);
    this.stops.push(() => clearInterval(presenceTimer));
    const every = this.opts.healthEveryMs ?? 3000;
    if (every > 0) {
      const ask = () =>
        this.opts.backend.health().then(
          (h) => (this.health = h),
          () => (this.health = undefined),
        );
      void ask();
      const t = setInterval(ask, every);
      this.stops.push(() => clearInterval(t));
    }
  }

  stop(): void {
    for (const s of this.stops.splice(0)) s();
    this.summary.dismiss();
  }

  showHistory(on: boolean): void {
    this.route = on ? 'history' : 'auto';
    if (on) void this.history.load();
  }

  apply(e: LiveEvent): void {
    (this.handlers[e.type] as (e: LiveEvent) => void)(e);
  }

  private readonly handlers: { [K in LiveEvent['type']]: (e: Extract<LiveEvent, { type: K }>) => void } = {
    hello: (e: HelloEvent) => {
      this.hello = e;
      if (!this.workout.active) this.workout.configured = e.exercise;
    },
    pose: (e: PoseEvent) => {
      this.pose.push(e, performance.now());
      if (e.keypoints.length) this.frames.posesReceived++;
      this.presence.update(e.keypoints, this.now());
    },
    rep: (e: RepEvent) => this.workout.rep(e, this.now()),
    cue: (e: CueEvent) => this.workout.showCue(e, this.now()),
    session: (e: SessionEvent) => this.onSession(e),
    link: (e: LinkEvent) => (this.link = e),
    outbox: (e: OutboxEvent) => {
      this.outbox = e;
      this.summary.refresh();
    },
  };

  private onSession(e: SessionEvent): void {
    if (e.state === 'active') {
      this.summary.dismiss();
      this.workout.start(e, this.now());
    } else if (e.state === 'ended') {
      this.workout.end();
      if (e.summary) this.summary.show(e.summary, this.now());
      void this.history.load();
    } else this.workout.end();
  }

  private pickScreen(): Screen {
    const now = this.clock.now;
    // Nothing is known until the agent has said hello (first message of every connection).
    if (!this.hello) return 'connecting';
    if (this.workout.active) return 'workout';
    if (this.summary.payload && now - this.summary.shownAt < (this.opts.summaryHoldMs ?? 45_000)) return 'summary';
    // "Unpair from …?" stays up until answered or lapsed: the person who pressed it stands in view.
    const ask = this.link?.unpairConfirmUntil;
    if (ask && Date.parse(ask) > now) return 'idle';
    if (this.route === 'history') return 'history';
    if (this.presence.inView) return 'framing';
    const r = this.opts.rotation === undefined ? { idleS: 40, historyS: 15 } : this.opts.rotation;
    if (r && this.paired && Math.floor(now / 1000) % (r.idleS + r.historyS) >= r.idleS) return 'history';
    return 'idle';
  }

  private pickAlerts(): Alert[] {
    const out: Alert[] = [];
    if (this.everConnected && this.connection !== 'open') out.push({ kind: 'agent', text: 'Lost contact with the mirror: reconnecting' });
    if (this.health?.sourceError) out.push({ kind: 'camera', text: 'Camera not working: retrying' });
    else if (this.health && !this.health.ok) out.push({ kind: 'camera', text: 'No picture from the camera' });
    const l = this.link;
    if (l && (l.state === 'offline' || (l.state === 'connecting' && l.lastError))) {
      const waiting = this.outbox?.pending ? ` (${this.outbox.pending} waiting)` : '';
      out.push({ kind: 'gateway', text: `Cloud unreachable: workouts are kept on the mirror${waiting}` });
    }
    return out;
  }
}
