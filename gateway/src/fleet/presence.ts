/**
 * Which mirrors are online, robust against out-of-order birth and Will messages: every MQTT
 * connection gets a serial number when the broker first sees it, and a `status` (or disconnect)
 * from a connection older than the mirror's latest is ignored — a Will of a connection that a
 * reconnect replaced arrives late and must not mark the new one offline. A mirror heard from
 * nothing (no telemetry, no status) for `heartbeatTimeoutMs` is offline even if its TCP connection
 * lingers (a hung agent, a half-open socket the broker's keepalive has not yet noticed).
 */
import type { DeviceStatus, Telemetry } from '@pose-coach/protocol';

export type OfflineReason = 'will' | 'heartbeat';

export interface DevicePresence {
  status: DeviceStatus;
  offlineReason?: OfflineReason;
  /** Serial of the newest connection seen for this mirror. */
  connection: number;
  /** Epoch ms of the last message from the mirror. */
  lastHeard: number;
  /** Epoch ms of the last change of `status`. */
  since: number;
  telemetry?: Telemetry;
}

export interface PresenceOptions {
  heartbeatTimeoutMs: number;
  now?: () => number;
  /** Called on every change of a mirror's online/offline status. */
  onChange?(deviceId: string, p: DevicePresence): void;
}

export function createPresence(opts: PresenceOptions) {
  const now = opts.now ?? Date.now;
  const byDevice = new Map<string, DevicePresence>();
  /** Mirrors heard from since the last `takeDirty()` (to persist last-seen in batches). */
  const dirty = new Set<string>();

  const setStatus = (deviceId: string, p: DevicePresence, status: DeviceStatus, reason?: OfflineReason) => {
    const changed = p.status !== status;
    p.status = status;
    if (status === 'online') delete p.offlineReason;
    else p.offlineReason = reason ?? 'will';
    if (changed) {
      p.since = now();
      opts.onChange?.(deviceId, p);
    }
  };

  /** The entry for a message from `connection`, or undefined when that connection is stale. */
  const current = (deviceId: string, connection: number): DevicePresence | undefined => {
    const p = byDevice.get(deviceId);
    if (!p) {
      const fresh: DevicePresence = { status: 'offline', connection, lastHeard: now(), since: now() };
      byDevice.set(deviceId, fresh);
      return fresh;
    }
    if (connection < p.connection) return undefined;
    p.connection = connection;
    return p;
  };

  return {
    /** A connection authenticated and ready: the mirror is online. */
    connected(deviceId: string, connection: number): void {
      const p = current(deviceId, connection);
      if (!p) return;
      p.lastHeard = now();
      dirty.add(deviceId);
      setStatus(deviceId, p, 'online');
    },

    /** The broker closed a connection; only the newest connection's end makes the mirror offline. */
    disconnected(deviceId: string, connection: number): void {
      const p = byDevice.get(deviceId);
      if (p && p.connection === connection) setStatus(deviceId, p, 'offline', 'will');
    },

    /** A `status` message (the birth, a clean `offline`, or the Will) from one connection. */
    status(deviceId: string, connection: number, status: DeviceStatus): boolean {
      const p = current(deviceId, connection);
      if (!p) return false;
      p.lastHeard = now();
      dirty.add(deviceId);
      setStatus(deviceId, p, status, 'will');
      return true;
    },

    /** Any other message (telemetry above all) proves the mirror alive. */
    heard(deviceId: string, connection: number, telemetry?: Telemetry): void {
      const p = current(deviceId, connection);
      if (!p) return;
      p.lastHeard = now();
      if (telemetry) p.telemetry = telemetry;
      dirty.add(deviceId);
      if (p.status === 'offline' && p.offlineReason === 'heartbeat') setStatus(deviceId, p, 'online');
    },

    /** Marks offline every online mirror silent for longer than the heartbeat timeout; returns them. */
    sweep(): string[] {
      const cutoff = now() - opts.heartbeatTimeoutMs;
      const silent: string[] = [];
      for (const [deviceId, p] of byDevice) {
        if (p.status === 'online' && p.lastHeard < cutoff) {
          setStatus(deviceId, p, 'offline', 'heartbeat');
          silent.push(deviceId);
        }
      }
      return silent;
    },

    /**
     * An entry another gateway of the cluster reported (cluster/replicatedPresence.ts): taken when
     * it is of a newer connection, or newer news of the same one; false when ignored as stale.
     */
    adopt(deviceId: string, entry: DevicePresence): boolean {
      const p = byDevice.get(deviceId);
      if (p && (entry.connection < p.connection || (entry.connection === p.connection && entry.lastHeard < p.lastHeard))) return false;
      const changed = p?.status !== entry.status;
      byDevice.set(deviceId, { ...entry });
      if (changed) opts.onChange?.(deviceId, entry);
      return true;
    },

    get: (deviceId: string): DevicePresence | undefined => byDevice.get(deviceId),
    entries: () => byDevice.entries(),
    takeDirty(): string[] {
      const out = [...dirty];
      dirty.clear();
      return out;
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
