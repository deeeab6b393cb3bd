import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from '../src/App.svelte';
import type { MirrorBackend } from '../src/live/backend.ts';
import Idle from '../src/screens/Idle.svelte';
import History from '../src/screens/History.svelte';
import Summary from '../src/screens/Summary.svelte';
import Workout from '../src/screens/Workout.svelte';
import { HistoryState } from '../src/state/history.svelte.ts';
import { MirrorState } from '../src/state/mirror.svelte.ts';
import { SummaryState } from '../src/state/summary.svelte.ts';
import { UnpairState } from '../src/state/unpair.svelte.ts';
import { WorkoutState } from '../src/state/workout.svelte.ts';
import { session } from './support.ts';

const quiet: MirrorBackend = {
  connect: () => () => undefined,
  history: async (range) => ({
    range,
    since: '',
    sessions: [{ session: session(), sync: 'synced', finishedAt: Date.now() }],
    stats: { totalSessions: range === 'today' ? 1 : 4, totalReps: range === 'today' ? 12 : 48, averageAccuracy: 0.8, totalDuration: 380 },
  }),
  health: async () => ({ ok: true }),
  unpair: async () => ({ ok: true }),
};

afterEach(() => cleanup());

describe('screens', () => {
  it('Idle shows the time, the paired person’s name and the step-in prompt', () => {
    render(Idle, { now: new Date(2026, 10, 29, 7, 5).getTime(), name: 'Ada', link: { type: 'link', state: 'online', paired: true, displayName: 'Ada' } });
    expect(screen.getByTestId('display-name').textContent).toBe('Ada');
    expect(screen.getByText(/Step in front of the mirror/)).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toMatch(/07.05/);
    expect(screen.getByRole('heading', { level: 1 }).textContent).not.toMatch(/\n/);
  });

  it('Idle shows the pairing QR and short code while the mirror is unpaired', async () => {
    render(Idle, { now: Date.now(), link: { type: 'link', state: 'online', paired: false, pairingCode: 'K7P-4QX', pairingUrl: 'https://pair.example/K7P4QX' }, deviceId: 'mirror-1' });
    expect(screen.getByTestId('pairing-code').textContent).toBe('K7P-4QX');
    const qr = await screen.findByRole('img', { name: /QR code/ });
    await expect.poll(() => qr.querySelector('svg path')).toBeTruthy();
  });

  it('Idle offers “Unpair this mirror”, then asks, and passes the answer to the agent', async () => {
    const steps: string[] = [];
    const backend: MirrorBackend = { ...quiet, unpair: async (step) => (steps.push(step), step === 'confirm' ? { ok: false, error: 'too late: press "Unpair this mirror" again' } : { ok: true }) };
    const unpair = new UnpairState(backend);
    const now = Date.now();
    const paired = { type: 'link', state: 'online', paired: true, displayName: 'Ada' } as const;
    const { rerender } = render(Idle, { now, name: 'Ada', link: paired, unpair });
    await fireEvent.click(screen.getByRole('button', { name: 'Unpair this mirror' }));
    expect(steps).toEqual(['request']);
    // The agent's link event now carries the question's deadline.
    await rerender({ now, name: 'Ada', link: { ...paired, unpairConfirmUntil: new Date(now + 20_500).toISOString() }, unpair });
    expect(screen.getByRole('alertdialog').textContent).toMatch(/Unpair this mirror from Ada\?.*20 s to confirm/);
    await fireEvent.click(screen.getByRole('button', { name: 'Unpair' }));
    expect(steps).toEqual(['request', 'confirm']);
    await expect.poll(() => screen.queryByRole('alert')?.textContent).toBe('too late: press "Unpair this mirror" again');
    // Past the deadline the question is gone.
    await rerender({ now: now + 30_000, name: 'Ada', link: { ...paired, unpairConfirmUntil: new Date(now + 20_500).toISOString() }, unpair });
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('Workout shows the count, the recognised exercise, a mark per rep and the live cue', () => {
    const w = new WorkoutState();
    const now = Date.now();
    w.start({ type: 'session', state: 'active', sessionId: 's', exercise: 'auto', startedAt: new Date(now - 65_000).toISOString(), reps: 0 }, now);
    w.rep({ type: 'rep', frameAt: 1, sessionId: 's', exercise: 'bicep_curl', count: 1, score: 0.92, cues: [] }, now);
    w.rep({ type: 'rep', frameAt: 2, sessionId: 's', exercise: 'bicep_curl', count: 2, score: 0.45, cues: ['Keep your elbows still'] }, now);
    render(Workout, { workout: w, now });
    expect(screen.getByTestId('rep-count').textContent).toBe('2');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Bicep curl');
    expect(screen.getByText('Recognised automatically')).toBeTruthy();
    expect(screen.getByTestId('cue').textContent).toBe('Keep your elbows still');
    const marks = screen.getByRole('list', { name: 'Score of each rep' }).querySelectorAll('li');
    expect([...marks].map((m) => m.className.split(' ')[0])).toEqual(['good', 'poor']);
    expect(screen.getByTestId('timer').textContent).toMatch(/1:05/);
  });

  it('Workout counts an unrecognised movement under "Exercise not recognised", without score marks, and starts afresh when the exercise is recognised', () => {
    const w = new WorkoutState();
    const now = Date.now();
    w.start({ type: 'session', state: 'active', sessionId: 's', exercise: 'auto', startedAt: new Date(now - 5_000).toISOString(), reps: 0 }, now);
    for (const count of [1, 2, 3]) w.rep({ type: 'rep', frameAt: count, sessionId: 's', exercise: 'other', count, score: 0, cues: [] }, now);
    render(Workout, { workout: w, now });
    expect(screen.getByTestId('rep-count').textContent).toBe('3');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Exercise not recognised');
    expect(screen.getByTestId('unrecognised').textContent).toBe('Counting the movement');
    expect(screen.getByRole('list', { name: 'Score of each rep' }).querySelectorAll('li')).toHaveLength(0);
    cleanup();
    w.rep({ type: 'rep', frameAt: 4, sessionId: 's', exercise: 'squat', count: 1, score: 0.7, cues: ['Go a little deeper'] }, now);
    render(Workout, { workout: w, now });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Squat');
    expect(screen.getByRole('list', { name: 'Score of each rep' }).querySelectorAll('li')).toHaveLength(1);
  });

  it('Summary of an unrecognised movement shows its count and no accuracy', () => {
    const s = new SummaryState(quiet);
    s.payload = { ...session(), exercise: 'other', reps: 7, accuracy: 0, feedbackPoints: [] };
    s.sync = 'synced';
    render(Summary, { summary: s, linkState: 'online', paired: true });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Exercise not recognised');
    expect(screen.getByTestId('summary-reps').textContent).toBe('7');
    expect(screen.getByTestId('summary-accuracy').textContent).toBe('not judged');
  });

  it('Workout shows the hold time for a plank instead of reps', () => {
    const w = new WorkoutState();
    const now = Date.now();
    w.start({ type: 'session', state: 'active', sessionId: 's', exercise: 'plank', startedAt: new Date(now - 42_000).toISOString() }, now);
    render(Workout, { workout: w, now });
    expect(screen.getByTestId('hold').textContent).toBe('0:42');
    expect(screen.queryByTestId('rep-count')).toBeNull();
  });

  it('Summary shows reps, accuracy, feedback, the gateway’s motivation and the sync state', () => {
    const s = new SummaryState(quiet);
    s.payload = session();
    s.shownAt = Date.now();
    s.sync = 'synced';
    s.feedback = 'Three workouts this week: keep it up!';
    render(Summary, { summary: s, linkState: 'online', paired: true });
    expect(screen.getByTestId('summary-reps').textContent).toBe('12');
    expect(screen.queryByTestId('summary-partial')).toBeNull();
    expect(screen.getByTestId('summary-accuracy').textContent).toBe('83%');
    expect(screen.getByTestId('motivation').textContent).toBe('Three workouts this week: keep it up!');
    expect(screen.getByText('Great depth')).toBeTruthy();
    expect(screen.getByTestId('sync').textContent).toBe('Saved to your account');
  });

  it('Summary says how many reps were started but not counted (too shallow, half range)', () => {
    const s = new SummaryState(quiet);
    s.payload = { ...session(), reps: 6, partialReps: 2 };
    s.shownAt = Date.now();
    render(Summary, { summary: s, linkState: 'online', paired: true });
    expect(screen.getByTestId('summary-reps').textContent).toBe('6');
    expect(screen.getByTestId('summary-partial').textContent).toBe('+2 partial reps, not counted');
  });

  it('Summary says the workout waits to sync while the cloud is unreachable', () => {
    const s = new SummaryState(quiet);
    s.payload = session();
    s.sync = 'pending';
    render(Summary, { summary: s, linkState: 'offline', paired: true });
    expect(screen.getByTestId('sync').textContent).toBe('Saved on the mirror: waiting to sync');
    expect(screen.queryByTestId('motivation')).toBeNull();
  });

  it('History shows today, this week and this month from the agent', async () => {
    const h = new HistoryState(quiet);
    render(History, { history: h, name: 'Ada' });
    await expect.poll(() => screen.getByTestId('sessions-week').textContent).toBe('4');
    expect(screen.getByTestId('sessions-today').textContent).toBe('1');
    expect(screen.getByTestId('reps-month').textContent).toBe('48');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe("Ada's workouts");
  });

  it('History labels the sessions of the simulated athlete as simulated, and only those', async () => {
    const sim = session({ sessionId: '0b0b0b0b-1c1c-4d4d-8e8e-9f9f9f9f9f9f', simulated: true });
    const backend: MirrorBackend = { ...quiet, history: async (range) => ({ range, since: '', sessions: [{ session: sim, sync: 'synced', finishedAt: Date.now() }, { session: session(), sync: 'synced', finishedAt: Date.now() - 1000 }], stats: { totalSessions: 2, totalReps: 24, averageAccuracy: 0.8, totalDuration: 380 } }) };
    render(History, { history: new HistoryState(backend), name: 'Ada' });
    await expect.poll(() => screen.queryAllByTestId('simulated-label').length).toBe(1);
    expect(screen.getByTestId('simulated-label').textContent).toBe('simulated');
  });

  it('App labels a simulated source and names the screen it shows', () => {
    const mirror = new MirrorState({ backend: quiet, rotation: null, healthEveryMs: 0 });
    const { container } = render(App, { mirror });
    expect(container.querySelector('[data-screen]')!.getAttribute('data-screen')).toBe('connecting');
    mirror.everConnected = true;
    mirror.apply({ type: 'hello', deviceId: 'm', appVersion: '1', source: 'simulation', simulated: true, exercise: 'auto' });
    flushSync();
    expect(container.querySelector('[data-screen]')!.getAttribute('data-screen')).toBe('idle');
    expect(screen.getByRole('note').textContent).toBe('SIMULATION');
  });
});
