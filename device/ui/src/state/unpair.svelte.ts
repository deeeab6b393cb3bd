/**
 * "Unpair this mirror" on the glass, in two steps so a stray touch does nothing: `request` makes
 * the agent ask (its link event then carries `unpairConfirmUntil`), `confirm` within that window
 * unpairs, `cancel` keeps the pairing. Refusals are shown as the agent words them.
 */
import type { MirrorBackend, UnpairStep } from '../live/backend.ts';

export class UnpairState {
  busy = $state(false);
  error = $state<string | undefined>();

  constructor(private readonly backend: MirrorBackend) {}

  /** Seconds left to confirm, or undefined when no question is open. */
  secondsLeft(until: string | undefined, now: number): number | undefined {
    if (!until) return undefined;
    const left = Math.floor((Date.parse(until) - now) / 1000);
    return left > 0 ? left : undefined;
  }

  request = () => this.step('request');
  confirm = () => this.step('confirm');
  cancel = () => this.step('cancel');

  private async step(step: UnpairStep): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = undefined;
    try {
      const r = await this.backend.unpair(step);
      if (!r.ok) this.error = r.error;
    } finally {
      this.busy = false;
    }
  }
}
