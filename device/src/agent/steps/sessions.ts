/**
 * Step: sessions. The coach's events become live events on the glass, and every finished
 * session worth keeping goes into the outbox (or, invalid, into the mirror's own quarantine).
 */
import type { Logger } from 'pino';
import type { LiveEventInput, SessionPayload } from '@pose-coach/protocol';
import { InvalidSessionError, type Drainer } from '../../outbox/index.ts';
import type { LiveServer } from '../liveServer.ts';
import type { CoachFactory, PoseFrame, PoseSource } from '../ports.ts';
import { SessionTracker, type TrackerEvent } from '../sessionTracker.ts';
import { mirrorTimeZone } from '../timeZone.ts';
import type { OutboxPart } from './outbox.ts';
import type { AgentState } from './state.ts';

export interface SessionsInputs {
  state: AgentState;
  createCoach: CoachFactory;
  source: Pick<PoseSource, 'model' | 'simulated'>;
  appVersion: string;
  live: Pick<LiveServer, 'broadcast'>;
  outbox: OutboxPart;
  drainer: Pick<Drainer, 'kick'>;
  log: Logger;
}

export interface SessionsPart {
  readonly current: SessionTracker['current'];
  /** The `session` live event for a client that just connected. */
  event(): LiveEventInput;
  /** A frame through the coach. */
  push(frame: PoseFrame): void;
  /** A new stream (camera restarted): a new coach, the open session ended. */
  restart(reason: string): void;
  /** Ends the open session now and says whether it was kept. */
  end(reason: string): { sessionId?: string; saved: boolean };
  /** `coach.exercise` changed: the open session ends and a new coach starts. */
  setExercise(): void;
  /** Other coach settings changed: a new coach for the next session. */
  reconfigure(): void;
}

export function trackSessions(i: SessionsInputs): SessionsPart {
  const { state, source, live, outbox, log } = i;
  const coach = () => state.config.coach;
  const tracker = new SessionTracker({
    createCoach: i.createCoach,
    exercise: () => coach().exercise,
    idleEndS: () => coach().idleEndS,
    minReps: () => coach().minReps,
    settings: () => ({ exercises: coach().exercises, thresholds: coach().thresholds, cueLanguage: coach().cueLanguage }),
    extra: () => ({
      appVersion: i.appVersion,
      ...(source.model ? { model: source.model } : {}),
      timeZone: mirrorTimeZone(),
      ...(state.pairing?.pairingId ? { pairingId: state.pairing.pairingId } : {}),
      ...(source.simulated ? { simulated: true as const } : {}),
    }),
  });
  const outboxChanged = () => live.broadcast(outbox.event(state.lastSyncedAt));

  function save(payload: SessionPayload): void {
    try {
      outbox.store.put(payload);
    } catch (err) {
      // The gateway would refuse it too: keep it visible in the quarantine instead of losing it.
      if (!(err instanceof InvalidSessionError)) throw err;
      outbox.store.quarantineLocally(payload, err.message);
      log.error({ sessionId: payload.sessionId, err: err.message }, 'session invalid; quarantined on the mirror');
      return outboxChanged();
    }
    log.info({ sessionId: payload.sessionId, reps: payload.reps, exercise: payload.exercise }, 'session saved to the outbox');
    outboxChanged();
    i.drainer.kick();
  }

  function handle(events: TrackerEvent[], frameAt: number): void {
    for (const e of events) {
      if (e.type === 'rep') live.broadcast({ type: 'rep', frameAt, sessionId: e.sessionId, exercise: e.exercise, count: e.count, score: e.score, cues: e.cues });
      else if (e.type === 'cue') live.broadcast({ type: 'cue', frameAt, text: e.text, severity: e.positive ? 'info' : 'warn' });
      else if (e.type === 'session-start') live.broadcast({ type: 'session', state: 'active', sessionId: e.sessionId, exercise: coach().exercise, startedAt: e.startedAt, reps: 0 });
      else {
        if (e.payload) save(e.payload);
        else log.info({ sessionId: e.sessionId, reason: e.reason }, 'session too short to keep');
        live.broadcast({ type: 'session', state: 'ended', sessionId: e.sessionId, ...(e.payload ? { summary: e.payload, reps: e.payload.reps } : {}) });
        live.broadcast({ type: 'session', state: 'idle' });
      }
    }
  }

  return {
    get current() {
      return tracker.current;
    },
    event() {
      const cur = tracker.current;
      return cur ? { type: 'session', state: 'active', ...cur } : { type: 'session', state: 'idle' };
    },
    push: (frame) => handle(tracker.push(frame), frame.frameAt),
    restart: (reason) => handle(tracker.restart(reason), Date.now()),
    end(reason) {
      const events = tracker.end(reason);
      handle(events, Date.now());
      const end = events.find((e) => e.type === 'session-end');
      return end && end.type === 'session-end' ? { sessionId: end.sessionId, saved: Boolean(end.payload) } : { saved: false };
    },
    setExercise: () => handle(tracker.setExercise(), Date.now()),
    reconfigure: () => tracker.reconfigure(),
  };
}
