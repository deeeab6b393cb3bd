import { describe, expect, it, vi } from 'vitest';
import { ReplayBackend } from '../src/live/replayBackend.ts';
import type { HistoryAnswer, MirrorBackend } from '../src/live/backend.ts';
import { MirrorState, type Screen } from '../src/state/mirror.svelte.ts';
import { recording, session, standing } from './support.ts';

/** A backend whose events the test sends by hand (the agent's HTTP side answers from `history`). */
function handBackend(history: Partial<HistoryAnswer> = {}): MirrorBackend & { send: Parameters<MirrorBackend['connect']>[0] } {
  const b = {
    send: undefined as unknown as Parameters<MirrorBackend['connect']>[0],
    connect(h: Parameters<MirrorBackend['connect']>[0]) {
      b.send = h;
      return () => undefined;
    },
    history: async () => ({ range: 'today', since: '', sessions: [], stats: { totalSessions: 0, totalReps: 0, averageAccuracy: 0, totalDuration: 0 }, ...history }) as HistoryAnswer,
    health: async () => ({ ok: true }),
    unpair: async () => ({ ok: true }),
  };
  return b;
}

describe('mirror state from the agent’s live events', () => {
  it('goes from idle through workout to summary in a recorded agent session, counting its reps', async () => {
    const events = recording();
    const backend = new ReplayBackend(async () => events, { speed: 20, loop: false });
    const mirror = new MirrorState({ backend, summaryHoldMs: 60_000, rotation: null, healthEveryMs: 0 });
    const seen = new Set<Screen>();
    let maxReps = 0;
    // Sampled as a screen would be read (derived state re-evaluates on read).
    const sampler = setInterval(() => {
      seen.add(mirror.screen);
      maxReps = Math.max(maxReps, mirror.workout.reps);
    }, 5);
    mirror.start();
    const lastRep = events.filter((e) => e.event.type === 'rep').at(-1)!.event;
    await new Promise((r) => setTimeout(r, (events.at(-1)!.t / 20) + 300));
    const finalScreen = mirror.screen;
    const summaryReps = mirror.summary.payload?.reps;
    mirror.stop();
    clearInterval(sampler);
    expect(finalScreen).toBe('summary');
    expect(seen.has('workout')).toBe(true);
    expect(seen.has('summary')).toBe(true);
    expect(lastRep.type === 'rep' && maxReps).toBe(lastRep.type === 'rep' ? lastRep.count : -1);
    expect(summaryReps).toBe(lastRep.type === 'rep' ? lastRep.count : -1);
    expect(mirror.workout.recognised).toBe('squat');
    expect(mirror.simulated).toBe(true);
  });

  it('shows the framing check while somebody stands in view before a workout starts', () => {
    const backend = handBackend();
    const mirror = new MirrorState({ backend, rotation: null, healthEveryMs: 0 });
    mirror.start();
    backend.send.connection('open');
    backend.send.event({ type: 'hello', deviceId: 'm1', appVersion: '1', source: 'camera', simulated: false, exercise: 'auto' });
    expect(mirror.screen).toBe('idle');
    backend.send.event({ type: 'pose', frameAt: Date.now(), keypoints: standing(0.2), score: 0.9, inferenceMs: 10, fps: 30, simulated: false });
    expect(mirror.screen).toBe('framing');
    expect(mirror.presence.advice.message).toBe('Move left');
    backend.send.event({ type: 'session', state: 'active', sessionId: 's1', exercise: 'auto', startedAt: new Date().toISOString(), reps: 0 });
    expect(mirror.screen).toBe('workout');
    mirror.stop();
  });

  it('keeps the count through a reconnect snapshot and says plainly what is down', () => {
    const backend = handBackend();
    const mirror = new MirrorState({ backend, rotation: null, healthEveryMs: 0 });
    mirror.start();
    backend.send.connection('open');
    backend.send.event({ type: 'session', state: 'active', sessionId: 's1', exercise: 'squat', startedAt: new Date().toISOString(), reps: 0 });
    backend.send.event({ type: 'rep', frameAt: 1, sessionId: 's1', exercise: 'squat', count: 1, score: 0.9, cues: [] });
    backend.send.event({ type: 'rep', frameAt: 2, sessionId: 's1', exercise: 'squat', count: 2, score: 0.4, cues: ['Go lower'] });
    expect(mirror.workout.scores).toEqual([0.9, 0.4]);
    expect(mirror.workout.cueAt(Date.now())?.text).toBe('Go lower');
    backend.send.connection('closed', 'connection lost');
    expect(mirror.alerts.map((a) => a.kind)).toEqual(['agent']);
    backend.send.connection('open');
    backend.send.event({ type: 'session', state: 'active', sessionId: 's1', exercise: 'squat', startedAt: new Date().toISOString(), reps: 3 });
    expect(mirror.workout.reps).toBe(3);
    expect(mirror.workout.scores).toEqual([0.9, 0.4]);
    backend.send.event({ type: 'link', state: 'offline', paired: true, displayName: 'Ada', lastError: 'ECONNREFUSED' });
    backend.send.event({ type: 'outbox', pending: 2, unpaired: 0, quarantined: 0 });
    mirror.health = { ok: false, sourceError: 'camera unplugged (retry 2 in 4000 ms)' };
    expect(mirror.alerts).toEqual([
      { kind: 'camera', text: 'Camera not working: retrying' },
      { kind: 'gateway', text: 'Cloud unreachable: workouts are kept on the mirror (2 waiting)' },
    ]);
    mirror.stop();
  });

  it('asks the agent’s history until the gateway’s feedback for the finished session arrives', async () => {
    const s = session();
    let answers = 0;
    const backend = handBackend();
    backend.history = async () => {
      answers++;
      const synced = answers >= 3;
      return { range: 'today', since: '', stats: { totalSessions: 1, totalReps: 12, averageAccuracy: 0.83, totalDuration: 95 }, sessions: [{ session: s, sync: synced ? 'synced' : 'pending', finishedAt: Date.now(), ...(synced ? { motivationalFeedback: 'Best week yet!' } : {}) }] };
    };
    const mirror = new MirrorState({ backend, rotation: null, healthEveryMs: 0, summary: { pollMs: 20 } });
    mirror.start();
    backend.send.connection('open');
    backend.send.event({ type: 'hello', deviceId: 'm1', appVersion: '1', source: 'camera', simulated: false, exercise: 'squat' });
    backend.send.event({ type: 'session', state: 'ended', sessionId: s.sessionId, reps: 12, summary: s });
    expect(mirror.screen).toBe('summary');
    await vi.waitFor(() => expect(mirror.summary.sync).toBe('synced'), { timeout: 5000, interval: 20 });
    expect(mirror.summary.feedback).toBe('Best week yet!');
    mirror.stop();
  });

  it('alternates Idle with History while paired, and never while unpaired', () => {
    const backend = handBackend();
    let t = 999_999_999_000; // a whole multiple of the 3 s cycle
    const mirror = new MirrorState({ backend, rotation: { idleS: 2, historyS: 1 }, healthEveryMs: 0, now: () => t });
    mirror.start();
    backend.send.connection('open');
    backend.send.event({ type: 'hello', deviceId: 'm1', appVersion: '1', source: 'camera', simulated: false, exercise: 'auto' });
    const at = (ms: number) => {
      t = 999_999_999_000 + ms;
      mirror.clock.now = t;
      return mirror.screen;
    };
    backend.send.event({ type: 'link', state: 'online', paired: false });
    expect([at(0), at(2500)]).toEqual(['idle', 'idle']);
    backend.send.event({ type: 'link', state: 'online', paired: true, displayName: 'Ada' });
    expect([at(0), at(1900), at(2100), at(3100)]).toEqual(['idle', 'idle', 'history', 'idle']);
    mirror.stop();
  });
});
