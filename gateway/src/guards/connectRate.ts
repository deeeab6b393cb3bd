/**
 * MQTT connects per source address: a token bucket each (`ratePerS` refilled, `burst` deep), in
 * this process's memory. Consulted in aedes' `preConnect`, before the credential check and
 * before any MySQL lookup, so one address flooding CONNECTs costs a map lookup per attempt.
 * A refused connect is closed without CONNACK: mqtt.js then reconnects with its backoff (a
 * refusing CONNACK would stop it for good unless `reconnectOnConnackError` is set), and a mirror
 * given several gateway addresses tries the next one.
 */
export interface ConnectRateOptions {
  /** Connects per second per address; 0 switches the limit off. */
  ratePerS: number;
  burst: number;
  now?: () => number;
}

export function createConnectRate(opts: ConnectRateOptions) {
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = now();

  /** Buckets full again are forgotten, so the map holds only recently busy addresses. */
  const sweep = (t: number) => {
    if (t - lastSweep < 10_000) return;
    lastSweep = t;
    const fullAfterMs = (opts.burst / opts.ratePerS) * 1000;
    for (const [address, b] of buckets) if (t - b.at >= fullAfterMs) buckets.delete(address);
  };

  return {
    /** True when `address` may connect now (and takes a token). */
    allow(address: string | undefined): boolean {
      if (opts.ratePerS <= 0) return true;
      const t = now();
      sweep(t);
      const key = address ?? 'unknown';
      const b = buckets.get(key) ?? { tokens: opts.burst, at: t };
      b.tokens = Math.min(opts.burst, b.tokens + ((t - b.at) / 1000) * opts.ratePerS);
      b.at = t;
      buckets.set(key, b);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    size: () => buckets.size,
  };
}

export type ConnectRate = ReturnType<typeof createConnectRate>;
