/**
 * The finished workout and whether it is safe: the agent saves it to its outbox at once, then the
 * gateway acks it (`synced`) and later sends the motivational feedback, which lands in the agent's
 * history. The summary asks the history until it has both, or gives up after a while and says the
 * workout is waiting to sync.
 */
import type { SessionPayload } from '@pose-coach/protocol';
import type { MirrorBackend } from '../live/backend.ts';
import type { HistoryEntry } from '../live/backend.ts';

export type SummarySync = 'saving' | HistoryEntry['sync'];

export interface SummaryOptions {
  /** How often to ask the history while the feedback is missing. */
  pollMs?: number;
  /** Stop asking after this long (the session is safe in the outbox either way). */
  pollForMs?: number;
}

export class SummaryState {
  payload = $state<SessionPayload | undefined>();
  shownAt = $state(0);
  sync = $state<SummarySync>('saving');
  feedback = $state<string | undefined>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = false;

  constructor(private readonly backend: MirrorBackend, private readonly opts: SummaryOptions = {}) {}

  show(payload: SessionPayload, now: number): void {
    this.payload = payload;
    this.shownAt = now;
    this.sync = 'saving';
    this.feedback = undefined;
    this.schedule(0);
  }

  dismiss(): void {
    this.payload = undefined;
    clearTimeout(this.timer);
  }

  get settled(): boolean {
    return this.sync === 'rejected' || (this.sync === 'synced' && this.feedback !== undefined);
  }

  /** Something changed in the outbox: look now rather than at the next poll. */
  refresh(): void {
    if (this.payload && !this.settled) this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    const p = this.payload;
    if (!p || this.inFlight) return;
    this.inFlight = true;
    try {
      // The history is by start time: a workout begun before midnight is in this week's, not today's.
      const find = async (range: 'today' | 'week') => (await this.backend.history(range)).sessions.find((s) => s.session.sessionId === p.sessionId);
      const mine = (await find('today')) ?? (await find('week'));
      if (mine && this.payload === p) {
        this.sync = mine.sync;
        if (mine.motivationalFeedback) this.feedback = mine.motivationalFeedback;
      }
    } catch (err) {
      // The agent will answer again; the summary stays as it is meanwhile.
      console.warn(`sync state of session ${p.sessionId} not read from the agent's history: ${(err as Error).message}`);
    } finally {
      this.inFlight = false;
    }
    if (this.payload === p && !this.settled && Date.now() - this.shownAt < (this.opts.pollForMs ?? 120_000)) this.schedule(this.opts.pollMs ?? 1000);
  }
}
