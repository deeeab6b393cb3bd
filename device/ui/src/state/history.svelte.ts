/** Today, this week and this month for the paired person, from the agent's local store. */
import type { HistoryAnswer, HistoryRange, MirrorBackend } from '../live/backend.ts';

export const RANGES: readonly HistoryRange[] = ['today', 'week', 'month'];

export class HistoryState {
  periods = $state<Partial<Record<HistoryRange, HistoryAnswer>>>({});
  error = $state<string | undefined>();
  loadedAt = $state(0);

  constructor(private readonly backend: MirrorBackend) {}

  async load(now = Date.now()): Promise<void> {
    try {
      const answers = await Promise.all(RANGES.map((r) => this.backend.history(r)));
      this.periods = Object.fromEntries(RANGES.map((r, i) => [r, answers[i]]));
      this.error = undefined;
    } catch (err) {
      this.error = `History is not available: ${(err as Error).message}`;
    }
    this.loadedAt = now;
  }

  /** The latest sessions of the month, newest first. */
  recent(limit = 5): HistoryAnswer['sessions'] {
    return (this.periods.month?.sessions ?? []).slice(0, limit);
  }
}
