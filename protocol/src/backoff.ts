/**
 * Retry delays, one rule for every retry loop (the MQTT link, the mirror UI's WebSocket, a failed
 * camera, the agent's frame source): exponential from `minMs`, capped at `maxMs`. Reconnects to a
 * shared server add "equal jitter" (half fixed, half random) so a fleet that lost the gateway
 * together does not come back in lock-step; a local retry (a camera) has nobody to collide with.
 */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

/** The delay before retry number `attempt` (0 first), without jitter: min·2^attempt, capped. */
export function cappedBackoff(attempt: number, { minMs, maxMs }: BackoffOptions): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(Math.max(0, attempt), 30));
}

/** `cappedBackoff` with equal jitter: between half the capped delay and all of it. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = cappedBackoff(attempt, opts);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
