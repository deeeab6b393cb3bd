/**
 * The fleet as operators see it: each mirror's identity and owner from MySQL, merged with the
 * live presence (online/offline, last heard, telemetry) and its shadow (desired/reported versions).
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { FleetDeviceView } from '@pose-coach/protocol';
import type { Presence } from './presence.ts';
import type { Shadow } from './shadow.ts';

const SELECT_DEVICES = `SELECT d.device_id, d.name, d.room, f.group_name, f.model, f.app_version, f.last_seen_at, b.user_id, p.display_name
  FROM devices d
  LEFT JOIN fleet_devices f ON f.device_id = d.device_id
  LEFT JOIN device_bindings b ON b.device_id = d.device_id
  LEFT JOIN device_pairings p ON p.pairing_id = b.pairing_id
  WHERE d.revoked_at IS NULL`;

export function createFleetViews(deps: { pool: Pool; presence: Presence; shadow: Shadow }) {
  function view(r: RowDataPacket): FleetDeviceView {
    const deviceId = String(r.device_id);
    const live = deps.presence.get(deviceId);
    const t = live?.telemetry;
    const lastSeen = live ? new Date(live.lastHeard).toISOString() : r.last_seen_at != null ? new Date(r.last_seen_at as string).toISOString() : undefined;
    const reported = deps.shadow.reportedOf(deviceId);
    const owner = r.user_id != null ? (r.display_name != null ? `${r.display_name} (${r.user_id})` : String(r.user_id)) : undefined;
    const group = deps.shadow.groupOf(deviceId) ?? (r.group_name != null ? String(r.group_name) : undefined);
    const model = t?.model ?? (r.model != null ? String(r.model) : undefined);
    const appVersion = t?.appVersion ?? (r.app_version != null ? String(r.app_version) : undefined);
    return {
      deviceId,
      ...(r.name != null ? { name: String(r.name) } : {}),
      ...(r.room != null ? { room: String(r.room) } : {}),
      ...(group ? { group } : {}),
      ...(owner ? { owner } : {}),
      status: live ? live.status : 'unknown',
      ...(live?.status === 'offline' ? { offlineReason: live.offlineReason ?? 'will' } : !live ? { offlineReason: lastSeen ? ('will' as const) : ('never-seen' as const) } : {}),
      ...(lastSeen ? { lastSeen } : {}),
      ...(model ? { model } : {}),
      ...(appVersion ? { appVersion } : {}),
      ...(t?.appRelease ? { appRelease: t.appRelease } : {}),
      ...(t?.modelRelease ? { modelRelease: t.modelRelease } : {}),
      ...(t?.healthy !== undefined ? { healthy: t.healthy } : {}),
      ...(t?.lastUpdate ? { lastUpdate: t.lastUpdate } : {}),
      ...(t?.outboxDepth !== undefined ? { outboxDepth: t.outboxDepth } : {}),
      desiredVersion: deps.shadow.desiredFor(deviceId).version,
      ...(reported ? { reportedVersion: reported.version, ...(reported.error ? { configError: reported.error } : {}) } : {}),
    };
  }

  return {
    async list(filter: { group?: string; status?: string } = {}): Promise<FleetDeviceView[]> {
      const [rows] = await deps.pool.query<RowDataPacket[]>(`${SELECT_DEVICES} ORDER BY d.device_id`);
      return rows.map(view).filter((v) => (!filter.group || v.group === filter.group) && (!filter.status || v.status === filter.status));
    },

    async one(deviceId: string): Promise<FleetDeviceView | undefined> {
      const [rows] = await deps.pool.execute<RowDataPacket[]>(`${SELECT_DEVICES} AND d.device_id = ?`, [deviceId]);
      return rows[0] ? view(rows[0]) : undefined;
    },
  };
}

export type FleetViews = ReturnType<typeof createFleetViews>;
