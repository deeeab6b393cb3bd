/**
 * Which mirrors exist (id + hashed secret) and whom each is paired with (device → uid).
 * Tables `devices` and `device_bindings` come from cloud-sync's migrations.
 */
import { randomUUID, randomBytes } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { ensureProfile } from '@pose-coach/cloud-sync';
import { isValidDeviceId } from '@pose-coach/protocol';
import { hashDeviceSecret, newDeviceSecret, verifyDeviceSecret } from './deviceSecrets.ts';

export interface DeviceBinding {
  uid: string;
  pairingId: string;
}

export interface DeviceRegistry {
  create(opts?: { deviceId?: string; name?: string; room?: string }): Promise<{ deviceId: string; secret: string }>;
  verify(deviceId: string, secret: string): Promise<boolean>;
  bind(deviceId: string, uid: string, opts?: { displayName?: string }): Promise<DeviceBinding>;
  unbind(deviceId: string): Promise<boolean>;
  bindingOf(deviceId: string): Promise<DeviceBinding | undefined>;
}

/**
 * Lookups cached for `freshMs` (sessions arrive in bursts from one mirror), and that keep serving
 * the last answer MySQL gave while MySQL is unreachable, so a store outage does not stop paired
 * mirrors from connecting and handing over sessions. `forget` drops an entry this process changed.
 */
function cachedLookup<T>(load: (key: string) => Promise<T>, freshMs: number) {
  const last = new Map<string, { value: T; at: number }>();
  return {
    async get(key: string): Promise<T> {
      const hit = last.get(key);
      if (hit && Date.now() - hit.at < freshMs) return hit.value;
      try {
        const value = await load(key);
        last.set(key, { value, at: Date.now() });
        return value;
      } catch (err) {
        if (hit) return hit.value;
        throw err;
      }
    },
    forget(key: string) {
      last.delete(key);
    },
  };
}

export function createDeviceRegistry(pool: Pool): DeviceRegistry {
  const secretHashes = cachedLookup(async (deviceId) => {
    const [rows] = await pool.execute<RowDataPacket[]>(
      'SELECT secret_hash FROM devices WHERE device_id = ? AND revoked_at IS NULL',
      [deviceId],
    );
    return rows[0] ? String(rows[0].secret_hash) : undefined;
  }, 0); // connects are rare: a revoked device is refused at once
  const bindings = cachedLookup(async (deviceId): Promise<DeviceBinding | undefined> => {
    const [rows] = await pool.execute<RowDataPacket[]>(
      'SELECT user_id, pairing_id FROM device_bindings WHERE device_id = ?',
      [deviceId],
    );
    const row = rows[0];
    return row ? { uid: String(row.user_id), pairingId: String(row.pairing_id) } : undefined;
  }, 5000);

  return {
    async create(opts = {}) {
      const deviceId = opts.deviceId ?? `mirror-${randomBytes(5).toString('hex')}`;
      if (!isValidDeviceId(deviceId)) {
        throw new Error(`device id ${JSON.stringify(deviceId)} must be 2-64 letters, digits, '-' or '_'`);
      }
      const secret = newDeviceSecret();
      await pool.execute('INSERT INTO devices (device_id, secret_hash, name, room) VALUES (?, ?, ?, ?)', [
        deviceId,
        await hashDeviceSecret(secret),
        opts.name ?? null,
        opts.room ?? null,
      ]);
      return { deviceId, secret };
    },

    async verify(deviceId, secret) {
      const hash = await secretHashes.get(deviceId);
      return hash ? verifyDeviceSecret(secret, hash) : false;
    },

    async bind(deviceId, uid, opts = {}) {
      await ensureProfile(pool, uid, { displayName: opts.displayName });
      // A new pairing id on every bind: sessions carry the pairing they were recorded under.
      const pairingId = randomUUID();
      await pool.execute(
        `INSERT INTO device_bindings (device_id, user_id, pairing_id) VALUES (?, ?, ?)
         ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), pairing_id = VALUES(pairing_id), bound_at = CURRENT_TIMESTAMP`,
        [deviceId, uid, pairingId],
      );
      bindings.forget(deviceId);
      return { uid, pairingId };
    },

    async unbind(deviceId) {
      const [res] = await pool.execute('DELETE FROM device_bindings WHERE device_id = ?', [deviceId]);
      bindings.forget(deviceId);
      return (res as { affectedRows: number }).affectedRows > 0;
    },

    bindingOf: (deviceId) => bindings.get(deviceId),
  };
}
