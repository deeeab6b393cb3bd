/**
 * The operators' client of the gateway's fleet API (gateway/src/fleet/fleetRoutes.ts), with the
 * fleet admin token as a bearer credential. A refusal becomes an error carrying the gateway's reason.
 */
import type { FleetDeviceView, RolloutAction, RolloutRequest } from '@pose-coach/protocol';

export class FleetApiError extends Error {
  override name = 'FleetApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function createFleetApiClient(opts: { baseUrl: string; adminToken: string; timeoutMs?: number }) {
  const base = opts.baseUrl.replace(/\/$/, '');
  async function call<T = Record<string, any>>(method: string, path: string, body?: unknown, timeoutMs = opts.timeoutMs ?? 15_000): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${opts.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new FleetApiError(`the gateway at ${base} could not be reached: ${(err as Error).message}`, 0);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new FleetApiError(`${String(json.message ?? res.statusText)} (${res.status} ${String(json.error ?? '')})`, res.status, json.error as string | undefined);
    return json as T;
  }
  const enc = encodeURIComponent;
  return {
    list: (q: { group?: string; status?: string } = {}) =>
      call<{ devices: FleetDeviceView[] }>('GET', `/fleet/api/devices?${new URLSearchParams(Object.entries(q).filter(([, v]) => v) as [string, string][])}`),
    show: (deviceId: string) => call('GET', `/fleet/api/devices/${enc(deviceId)}`),
    setGroup: (deviceId: string, group: string | null) => call('PATCH', `/fleet/api/devices/${enc(deviceId)}`, { group }),
    label: (deviceId: string, labels: { name?: string | null; room?: string | null }) => call('PATCH', `/fleet/api/devices/${enc(deviceId)}`, labels),
    layers: () => call('GET', '/fleet/api/config'),
    setConfig: (scope: string, set: Record<string, unknown>) => call('PATCH', `/fleet/api/config/${enc(scope)}`, { set }),
    command: (deviceId: string, name: string, args?: Record<string, unknown>, timeoutMs?: number) =>
      call('POST', `/fleet/api/devices/${enc(deviceId)}/commands`, { name, ...(args ? { args } : {}), ...(timeoutMs ? { timeoutMs } : {}) }, (timeoutMs ?? 30_000) + 5000),
    claims: () => call('GET', '/fleet/api/claims'),
    createClaim: (body: { maxUses: number; ttlS?: number; group?: string }) => call('POST', '/fleet/api/claims', body),
    revokeClaim: (claimId: string) => call('DELETE', `/fleet/api/claims/${enc(claimId)}`),
    releases: () => call('GET', '/fleet/api/releases'),
    addRelease: (manifest: unknown, bundle: Buffer) => call('POST', '/fleet/api/releases', { manifest, bundle: bundle.toString('base64') }, 300_000),
    startRollout: (body: RolloutRequest) => call('POST', '/fleet/api/rollouts', body),
    rolloutAction: (id: string, action: RolloutAction) => call('POST', `/fleet/api/rollouts/${enc(id)}/${action}`),
    rollout: (id: string) => call('GET', `/fleet/api/rollouts/${enc(id)}`),
    rollouts: () => call('GET', '/fleet/api/rollouts'),
  };
}

export type FleetApiClient = ReturnType<typeof createFleetApiClient>;
