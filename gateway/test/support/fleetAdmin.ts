/**
 * The fleet API as an operator's script calls it in tests: admin token, JSON in and out, and the
 * status kept (tests assert refusals too, so nothing throws on a 4xx).
 */
export function fleetAdmin(baseUrl: () => string, adminToken: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
}

export type FleetAdmin = ReturnType<typeof fleetAdmin>;

/** The rollout once it is no longer running (done, stopped or aborted), polled every 50 ms. */
export async function rolloutEnded(api: FleetAdmin, rolloutId: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await api('GET', `/fleet/api/rollouts/${rolloutId}`)).body.rollout;
    if (r.state !== 'running') return r;
    if (Date.now() > deadline) throw new Error(`rollout ${rolloutId} still running after ${timeoutMs} ms (stage ${r.stage}, sent ${r.sent})`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
