/**
 * What the mirror does about pairing, as a small state machine the agent feeds and the glass shows:
 *   unpaired (retained `pairing` says so) → ask for a code pair → show the QR link and the short
 *   code → poll at the gateway's interval (slower after slow_down, RFC 8628 §3.5) → on approval
 *   stop; on expiry or "not now" ask for a fresh code. Unpairing from the glass takes two steps:
 *   `requestUnpair()` shows a confirmation, `confirmUnpair()` within the window does it.
 * The retained message is the truth about being paired; a poll's approval only stops the loop early.
 */
import type { Logger } from 'pino';
import { PairingClientError, type PairingClient } from './pairingClient.ts';

export type PairingView =
  | { kind: 'paired'; displayName?: string }
  | { kind: 'requesting' }
  | { kind: 'showing-code'; code: string; url: string; expiresAt: number }
  | { kind: 'confirm-unpair'; until: number; displayName?: string }
  | { kind: 'error'; message: string }
  | { kind: 'unknown' };

export interface PairingFlowOptions {
  client: PairingClient;
  log: Logger;
  onChange(view: PairingView): void;
  /** Wait after a failed request before trying again. */
  retryMs?: number;
  /** How long the glass's "Unpair?" stays answerable. */
  confirmWindowMs?: number;
}

export function createPairingFlow(opts: PairingFlowOptions) {
  const retryMs = opts.retryMs ?? 5000;
  const confirmWindowMs = opts.confirmWindowMs ?? 30_000;
  let view: PairingView = { kind: 'unknown' };
  let paired: boolean | undefined;
  let displayName: string | undefined;
  let loop: AbortController | undefined;
  let stopped = false;
  /** Takes an unanswered "Unpair?" off the glass when its window closes. */
  let confirmTimer: NodeJS.Timeout | undefined;

  const set = (next: PairingView) => {
    if (next.kind !== 'confirm-unpair') clearTimeout(confirmTimer);
    view = next;
    opts.onChange(next);
  };

  function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** One code after another until paired or stopped. */
  async function run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      set({ kind: 'requesting' });
      let grant;
      try {
        grant = await opts.client.authorize();
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'pairing code not issued; retrying');
        set({ kind: 'error', message: (err as Error).message });
        await sleep(retryMs, signal);
        continue;
      }
      if (signal.aborted) return;
      const expiresAt = Date.now() + grant.expires_in * 1000;
      set({ kind: 'showing-code', code: grant.user_code, url: grant.verification_uri_complete, expiresAt });
      let interval = grant.interval;
      while (!signal.aborted && Date.now() < expiresAt) {
        await sleep(interval * 1000, signal);
        if (signal.aborted) return;
        let result;
        try {
          result = await opts.client.poll(grant.device_code);
        } catch (err) {
          // The gateway is briefly away: keep the code on the glass and poll again at the interval.
          opts.log.warn({ err: (err as Error).message }, 'pairing poll failed');
          if (err instanceof PairingClientError && err.status === 401) break;
          continue;
        }
        if (result.kind === 'pending') interval = result.interval ?? interval;
        else if (result.kind === 'slow_down') interval = result.interval ?? interval + 5; // RFC 8628 §3.5
        else if (result.kind === 'approved') {
          opts.log.info({ pairingId: result.pairingId }, 'paired from the phone');
          displayName = result.displayName;
          set({ kind: 'paired', displayName });
          return;
        } else break; // expired, declined or unknown: a fresh code
      }
    }
  }

  function startLoop(): void {
    if (loop || stopped) return;
    const controller = new AbortController();
    loop = controller;
    void run(controller.signal).finally(() => {
      if (loop === controller) loop = undefined;
    });
  }
  function cancelUnpair(): void {
    if (view.kind === 'confirm-unpair') set(paired ? { kind: 'paired', ...(displayName ? { displayName } : {}) } : { kind: 'requesting' });
  }
  function stopLoop(): void {
    loop?.abort();
    loop = undefined;
  }

  return {
    view: () => view,

    /** From the retained `pairing` message (and on connect). */
    setPaired(isPaired: boolean, name?: string): void {
      paired = isPaired;
      displayName = name;
      if (isPaired) {
        stopLoop();
        if (view.kind !== 'confirm-unpair') set({ kind: 'paired', ...(name ? { displayName: name } : {}) });
      } else {
        if (view.kind === 'confirm-unpair' || view.kind === 'paired' || view.kind === 'unknown') set({ kind: 'requesting' });
        startLoop();
      }
    },

    /** Step one on the glass: "Unpair from <name>?" */
    requestUnpair(): PairingView {
      if (!paired) return view;
      set({ kind: 'confirm-unpair', until: Date.now() + confirmWindowMs, ...(displayName ? { displayName } : {}) });
      clearTimeout(confirmTimer);
      confirmTimer = setTimeout(cancelUnpair, confirmWindowMs + 1);
      confirmTimer.unref();
      return view;
    },

    cancelUnpair,

    /** Step two: only within the window of a `requestUnpair`. Resolves true when the gateway unpaired. */
    async confirmUnpair(): Promise<boolean> {
      if (view.kind !== 'confirm-unpair' || Date.now() > view.until) {
        cancelUnpair();
        return false;
      }
      try {
        const done = await opts.client.unpair();
        opts.log.info({ done }, 'unpaired from the glass');
        // The question is answered; the retained message (paired: false) then starts a new code.
        if (done && view.kind === 'confirm-unpair') set({ kind: 'requesting' });
        return done;
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'unpair from the glass failed at the gateway');
        set({ kind: 'error', message: (err as Error).message });
        return false;
      }
    },

    stop(): void {
      stopped = true;
      clearTimeout(confirmTimer);
      stopLoop();
    },
  };
}

export type PairingFlow = ReturnType<typeof createPairingFlow>;
