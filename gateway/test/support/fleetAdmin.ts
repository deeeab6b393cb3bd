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
