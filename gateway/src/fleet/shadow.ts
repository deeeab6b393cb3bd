/**
 * The device shadow: desired configuration in layers (fleet defaults < group < mirror), each
 * stamped with the fleet-wide version it was last written at, so a mirror's desired version —
 * the newest of its three layers — only grows. The merged desired config goes out retained on
 * `config/desired` whenever a layer changes and again on every connect (the broker keeps
 * retained messages in memory only). `config/reported` is what the mirror runs; a report older
 * than the last one is ignored.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { FLEET_GROUP_PATTERN, isValidDeviceId, topicFor, type ConfigMessage, type ConfigReported } from '@pose-coach/protocol';
import type { Logger } from '../log.ts';
import { FleetError } from './fleetErrors.ts';

export type Publish = (topic: string, payload: unknown, opts: { qos: 0 | 1; retain: boolean }) => Promise<void>;
type Layer = { config: Record<string, unknown>; version: number };

/** `fleet`, `group:<name>` or `device:<id>`; anything else is refused with the forms it accepts. */
export function parseScope(scope: string): { kind: 'fleet' } | { kind: 'group'; group: string } | { kind: 'device'; deviceId: string } {
  if (scope === 'fleet') return { kind: 'fleet' };
  const [kind, name = ''] = [scope.slice(0, scope.indexOf(':')), scope.slice(scope.indexOf(':') + 1)];
  if (kind === 'group' && FLEET_GROUP_PATTERN.test(name)) return { kind: 'group', group: name };
  if (kind === 'device' && isValidDeviceId(name)) return { kind: 'device', deviceId: name };
  throw new FleetError('BAD_REQUEST', `config scope ${JSON.stringify(scope)}: expected fleet, group:<name> or device:<deviceId>`);
}

export type ShadowChange = { kind: 'layers' } | { kind: 'group'; deviceId: string; group: string | null };

export function createShadow(deps: { pool: Pool; publish: Publish; log: Logger; changed?(change: ShadowChange): void }) {
  const layers = new Map<string, Layer>();
  /** deviceId → group (undefined: none); every provisioned mirror is a key. */
  const groups = new Map<string, string | undefined>();
  const reported = new Map<string, ConfigReported>();
  let version = 0;

  const layerOf = (scope: string): Layer => layers.get(scope) ?? { config: {}, version: 0 };

  function desiredFor(deviceId: string): ConfigMessage {
    const group = groups.get(deviceId);
    const parts = [layerOf('fleet'), ...(group ? [layerOf(`group:${group}`)] : []), layerOf(`device:${deviceId}`)];
    return { version: Math.max(...parts.map((l) => l.version)), config: Object.assign({}, ...parts.map((l) => l.config)) };
  }

  async function publishTo(deviceId: string): Promise<void> {
    const desired = desiredFor(deviceId);
    if (desired.version === 0) return; // nothing ever configured: the mirror keeps its own file
    await deps.publish(topicFor('configDesired', deviceId), desired, { qos: 1, retain: true });
  }

  const devicesIn = (scope: string): string[] => {
    const s = parseScope(scope);
    if (s.kind === 'fleet') return [...groups.keys()];
    if (s.kind === 'group') return [...groups].filter(([, g]) => g === s.group).map(([d]) => d);
    return groups.has(s.deviceId) ? [s.deviceId] : [];
  };

  async function publishAll(deviceIds: string[]): Promise<void> {
    const failures = (await Promise.allSettled(deviceIds.map(publishTo))).filter((r) => r.status === 'rejected');
    if (failures.length) deps.log.warn({ failed: failures.length }, 'config/desired not published to some mirrors');
  }

  async function loadLayers(): Promise<void> {
    const [rows] = await deps.pool.query<RowDataPacket[]>('SELECT scope, config, version FROM fleet_config');
    for (const r of rows) {
      const config = typeof r.config === 'string' ? JSON.parse(r.config) : r.config;
      layers.set(String(r.scope), { config, version: Number(r.version) });
      version = Math.max(version, Number(r.version));
    }
  }

  return {
    /** Layers again from MySQL: another gateway of the cluster changed one. */
    loadLayers,

    async load(): Promise<void> {
      await loadLayers();
      const [devs] = await deps.pool.query<RowDataPacket[]>(
        `SELECT d.device_id, f.group_name, f.reported_version, f.reported_config, f.reported_error FROM devices d
         LEFT JOIN fleet_devices f ON f.device_id = d.device_id WHERE d.revoked_at IS NULL`,
      );
      for (const r of devs) {
        groups.set(String(r.device_id), r.group_name != null ? String(r.group_name) : undefined);
        if (r.reported_version != null) {
          const config = typeof r.reported_config === 'string' ? JSON.parse(r.reported_config) : (r.reported_config ?? {});
          reported.set(String(r.device_id), { version: Number(r.reported_version), config, ...(r.reported_error ? { error: String(r.reported_error) } : {}) });
        }
      }
    },

    desiredFor,
    layer: (scope: string): Layer => (parseScope(scope), layerOf(scope)),
    layers: () => [...layers].map(([scope, l]) => ({ scope, ...l })),
    groupOf: (deviceId: string) => groups.get(deviceId),
    knows: (deviceId: string) => groups.has(deviceId),
    deviceIds: () => [...groups.keys()],
    reportedOf: (deviceId: string) => reported.get(deviceId),

    /** What another gateway of the cluster learnt: a mirror's group, a mirror's report. */
    adoptGroup(deviceId: string, group: string | undefined): void {
      groups.set(deviceId, group);
    },
    adoptReported(deviceId: string, r: ConfigReported): void {
      const before = reported.get(deviceId);
      if (!before || r.version >= before.version) reported.set(deviceId, r);
    },

    /** A mirror the fleet had not seen (provisioned by claim or by the admin CLI). */
    track(deviceId: string, group?: string): void {
      if (!groups.has(deviceId)) groups.set(deviceId, group);
    },

    /** Re-sends the retained desired config: on every connect. */
    publishTo,

    /**
     * Merges `set` into a layer (a null value removes the key) under a new fleet version, stores
     * it, and publishes the result to every mirror the layer reaches. Resolves with the version.
     */
    async update(scope: string, set: Record<string, unknown>): Promise<number> {
      parseScope(scope);
      const config = { ...layerOf(scope).config };
      for (const [k, v] of Object.entries(set)) {
        if (v === null) delete config[k];
        else config[k] = v;
      }
      // Another gateway of a cluster may have written a newer version: the next one is above both.
      const [[top]] = await deps.pool.query<RowDataPacket[]>('SELECT COALESCE(MAX(version), 0) AS v FROM fleet_config');
      const next = (version = Math.max(version, Number(top?.v ?? 0)) + 1);
      await deps.pool.execute(
        'INSERT INTO fleet_config (scope, config, version) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE config = VALUES(config), version = VALUES(version)',
        [scope, JSON.stringify(config), next],
      );
      layers.set(scope, { config, version: next });
      deps.changed?.({ kind: 'layers' });
      await publishAll(devicesIn(scope));
      return next;
    },

    /** Moves a mirror to a group; its own layer is re-stamped so its desired version still grows. */
    async setGroup(deviceId: string, group: string | undefined): Promise<void> {
      if (group !== undefined && !FLEET_GROUP_PATTERN.test(group)) throw new FleetError('BAD_REQUEST', `group ${JSON.stringify(group)}: letters, digits, . _ - (up to 64)`);
      await deps.pool.execute(
        'INSERT INTO fleet_devices (device_id, group_name) VALUES (?, ?) ON DUPLICATE KEY UPDATE group_name = VALUES(group_name)',
        [deviceId, group ?? null],
      );
      groups.set(deviceId, group);
      deps.changed?.({ kind: 'group', deviceId, group: group ?? null });
      await this.update(`device:${deviceId}`, {});
    },

    /** `config/reported`; false when it is older than the report already held (ignored). */
    async onReported(deviceId: string, r: ConfigReported): Promise<boolean> {
      const before = reported.get(deviceId);
      if (before && r.version < before.version) return false;
      reported.set(deviceId, r);
      await deps.pool.execute(
        `INSERT INTO fleet_devices (device_id, reported_version, reported_config, reported_error) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE reported_version = VALUES(reported_version), reported_config = VALUES(reported_config), reported_error = VALUES(reported_error)`,
        [deviceId, r.version, JSON.stringify(r.config), r.error?.slice(0, 500) ?? null],
      );
      return true;
    },
  };
}

export type Shadow = ReturnType<typeof createShadow>;
