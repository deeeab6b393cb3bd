/**
 * The glass's "Unpair from …?" is not hidden by the screens that would otherwise take over: the
 * idle/history rotation, or the framing check for the person who pressed it standing in view.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryAnswer, MirrorBackend } from '../src/live/backend.ts';
import { MirrorState } from '../src/state/mirror.svelte.ts';
import { standing } from './support.ts';

function handBackend(): MirrorBackend & { send: Parameters<MirrorBackend['connect']>[0] } {
  const b = {
    send: undefined as unknown as Parameters<MirrorBackend['connect']>[0],
    connect(h: Parameters<MirrorBackend['connect']>[0]) {
      b.send = h;
      return () => undefined;
    },
    history: async () => ({ range: 'today', since: '', sessions: [], stats: { totalSessions: 0, totalReps: 0, averageAccuracy: 0, totalDuration: 0 } }) as HistoryAnswer,
    health: async () => ({ ok: true }),
    unpair: async () => ({ ok: true }),
  };
  return b;
}

describe('the unpair question on the glass', () => {
  it('keeps the idle screen up while the question is open, and lets rotation and framing back once it lapses', () => {
    const cycleStart = Math.floor(Date.parse('2026-11-29T22:00:00Z') / 55_000) * 55_000;
    let now = cycleStart + 41_000; // second 41 of a 40 + 15 s cycle: History's turn
    const backend = handBackend();
    const mirror = new MirrorState({ backend, rotation: { idleS: 40, historyS: 15 }, healthEveryMs: 0, now: () => now });
    mirror.start();
    backend.send.connection('open');
    backend.send.event({ type: 'hello', deviceId: 'm1', appVersion: '1', source: 'camera', simulated: false, exercise: 'auto' });
    backend.send.event({ type: 'link', state: 'online', paired: true, displayName: 'Ada' });
    mirror.clock.now = now;
    expect(mirror.screen).toBe('history');

    const until = new Date(now + 30_000).toISOString();
    backend.send.event({ type: 'link', state: 'online', paired: true, displayName: 'Ada', unpairConfirmUntil: until });
    backend.send.event({ type: 'pose', frameAt: now, keypoints: standing(0.5), score: 0.9, inferenceMs: 10, fps: 30, simulated: false });
    expect(mirror.presence.inView).toBe(true);
    expect(mirror.screen).toBe('idle');

    // The agent withdraws the question when it lapses; the UI does not wait for that either.
    now += 31_000;
    mirror.clock.now = now;
    expect(mirror.screen).toBe('framing');
    mirror.stop();
  });
});
