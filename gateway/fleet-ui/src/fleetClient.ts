/**
 * The fleet page's calls to the gateway's fleet API, with the operator's admin token. The token
 * lives in sessionStorage only (gone with the tab), never in a URL.
 */
import type { FleetDeviceView, RolloutAction, RolloutRequest, RolloutView } from '@pose-coach/protocol';

export type { RolloutView };

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

/** One call to the fleet API with the admin token; a refusal throws with the gateway's reason. */
async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) throw new FleetRefusal(json.message ?? `the gateway answered ${res.status}`, res.status);
  return json;
}

export async function fetchRollouts(token: string): Promise<RolloutView[]> {
  return (await call<{ rollouts?: RolloutView[] }>(token, 'GET', '/fleet/api/rollouts')).rollouts ?? [];
}

export interface CommandView {
  id: string;
  name: string;
  state: string;
  sentAt: string;
  error?: string;
  result?: unknown;
}
export interface DeviceDetails {
  device: FleetDeviceView;
  desired: { version: number; config: Record<string, unknown> };
  reported: { version: number; config: Record<string, unknown>; error?: string } | null;
  commands: CommandView[];
}
export const fetchDevice = (token: string, id: string) => call<DeviceDetails>(token, 'GET', `/fleet/api/devices/${encodeURIComponent(id)}`);
export const setDeviceConfig = (token: string, id: string, set: Record<string, unknown>) =>
  call<{ version: number }>(token, 'PATCH', `/fleet/api/config/${encodeURIComponent(`device:${id}`)}`, { set });
export const sendCommand = (token: string, id: string, name: string, args?: Record<string, unknown>) =>
  call<{ command: CommandView }>(token, 'POST', `/fleet/api/devices/${encodeURIComponent(id)}/commands`, { name, ...(args ? { args } : {}) });
export const fetchReleases = async (token: string) => (await call<{ releases: { kind: string; version: string }[] }>(token, 'GET', '/fleet/api/releases')).releases;
export const startRollout = (token: string, req: RolloutRequest) => call<{ rollout: RolloutView }>(token, 'POST', '/fleet/api/rollouts', req);
export const rolloutAction = (token: string, id: string, action: RolloutAction) =>
  call<{ rollout: RolloutView }>(token, 'POST', `/fleet/api/rollouts/${encodeURIComponent(id)}/${action}`);

/** `key=value` per line; a value that parses as JSON is taken as such, `key=` clears the key (null). */
export function parseConfigLines(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const i = line.indexOf('=');
    if (i <= 0) throw new Error(`expected key=value, got "${line}"`);
    const raw = line.slice(i + 1).trim();
    let value: unknown = raw === '' ? null : raw;
    try {
      if (raw !== '') value = JSON.parse(raw);
    } catch {
      // plain text
    }
    out[line.slice(0, i).trim()] = value;
  }
  return out;
}

/** A canary or wave field: `3` (mirrors) or `5%`; empty: the default. */
export function parseStep(text: string): number | string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (/^\d+(\.\d+)?%$/.test(t)) return t;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) throw new Error(`"${t}" is neither a mirror count nor a percentage such as 5%`);
  return n;
}

export function releasesText(d: FleetDeviceView): string {
  return [d.appRelease ? `app ${d.appRelease}` : '', d.modelRelease ? `model ${d.modelRelease}` : ''].filter(Boolean).join(', ');
}

export function lastUpdateText(d: FleetDeviceView): string {
  const u = d.lastUpdate;
  return u ? `${u.kind} ${u.version}: ${u.outcome}` : '';
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
