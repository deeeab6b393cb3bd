/**
 * The fleet page's calls to the gateway's fleet API, with the operator's admin token. The token
 * lives in sessionStorage only (gone with the tab), never in a URL.
 */
import type { FleetDeviceView } from '@pose-coach/protocol';

export class FleetRefusal extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function fetchDevices(token: string, filter: { group?: string; status?: string } = {}): Promise<FleetDeviceView[]> {
  const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]);
  const res = await fetch(`/fleet/api/devices?${q}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => ({}))) as { devices?: FleetDeviceView[]; message?: string };
  if (!res.ok) throw new FleetRefusal(body.message ?? `the gateway answered ${res.status}`, res.status);
  return body.devices ?? [];
}

export interface RolloutView {
  id: string;
  release: string;
  group?: string;
  percent: number;
  state: 'running' | 'done' | 'stopped';
  targets: number;
  sent: number;
  succeeded: number;
  failed: number;
  skippedOffline: number;
  maxFailures: number;
}

export async function fetchRollouts(token: string): Promise<RolloutView[]> {
  const res = await fetch('/fleet/api/rollouts', { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => ({}))) as { rollouts?: RolloutView[]; message?: string };
  if (!res.ok) throw new FleetRefusal(body.message ?? `the gateway answered ${res.status}`, res.status);
  return body.rollouts ?? [];
}

/** Share of the targets dealt with (installed, failed or skipped), 0..100. */
export function rolloutPercentDone(r: RolloutView): number {
  return r.targets ? Math.round(((r.succeeded + r.failed + r.skippedOffline) / r.targets) * 100) : 100;
}

export interface FleetSummary {
  total: number;
  online: number;
  offline: number;
  unknown: number;
  configPending: number;
  configRefused: number;
}

export function summarize(devices: FleetDeviceView[]): FleetSummary {
  return {
    total: devices.length,
    online: devices.filter((d) => d.status === 'online').length,
    offline: devices.filter((d) => d.status === 'offline').length,
    unknown: devices.filter((d) => d.status === 'unknown').length,
    configPending: devices.filter((d) => !d.configError && d.desiredVersion > 0 && d.reportedVersion !== d.desiredVersion).length,
    configRefused: devices.filter((d) => d.configError).length,
  };
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

export function statusText(d: FleetDeviceView): string {
  if (d.status !== 'offline') return d.status;
  return d.offlineReason === 'heartbeat' ? 'offline (silent)' : 'offline';
}

export function configText(d: FleetDeviceView): string {
  if (d.desiredVersion === 0 && d.reportedVersion === undefined) return '—';
  if (d.configError) return `v${d.desiredVersion} refused`;
  return d.reportedVersion === d.desiredVersion ? `v${d.desiredVersion}` : `v${d.reportedVersion ?? '?'} → v${d.desiredVersion}`;
}
