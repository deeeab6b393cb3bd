/**
 * Which mirrors exist (id + hashed secret) and whom each is paired with (device → uid).
 * Tables `devices`, `device_bindings` (the current pairing) and `device_pairings` (every pairing,
 * so a session recorded under an older one still finds its person) come from cloud-sync's migrations.
 */
import { randomUUID, randomBytes } from 'node:crypto';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Queryable } from '@pose-coach/cloud-sync';
import { ensureProfile } from '@pose-coach/cloud-sync';
import { isValidDeviceId } from '@pose-coach/protocol';
import { hashDeviceSecret, needsRehash, newDeviceSecret, verifyDeviceSecret } from './deviceSecrets.ts';
import type { Logger } from '../log.ts';
import { batchedLookup } from './batchedLookup.ts';

export interface DeviceBinding {
  uid: string;
  pairingId: string;
  /** The name the mirror greets the person by (from their ID token when paired by QR). */
  displayName?: string;
}

/** Who ended a pairing: the person (phone), the mirror, the fleet operator, or a re-pair. */
export type UnpairedBy = 'user' | 'device' | 'admin' | 'repair';

export interface DeviceInfo {
  deviceId: string;
  name?: string;
  room?: string;
}

export interface DeviceRegistry {
  /** `db`: a connection inside the caller's transaction (a claim), so no second pool connection is taken. */
  create(opts?: { deviceId?: string; name?: string; room?: string }, db?: Queryable): Promise<{ deviceId: string; secret: string }>;
  verify(deviceId: string, secret: string): Promise<boolean>;
  bind(deviceId: string, uid: string, opts?: { displayName?: string }): Promise<DeviceBinding>;
  /** Ends the mirror's pairing; resolves with the binding it ended (undefined: it was not paired). */
  /** With `ifPairedWith`, only a pairing with that uid is ended (checked under the row lock). */
  unbind(deviceId: string, opts?: { by?: UnpairedBy; ifPairedWith?: string }): Promise<DeviceBinding | undefined>;
  bindingOf(deviceId: string): Promise<DeviceBinding | undefined>;
  /** A pairing of this mirror, current or ended; undefined when the id is not one of this mirror's. */
  pairingOf(deviceId: string, pairingId: string): Promise<DeviceBinding | undefined>;
  info(deviceId: string): Promise<DeviceInfo | undefined>;
  /** Drops cached lookups of a mirror changed by another process (the admin CLI). */
  forget(deviceId: string): void;
}

/**
 * Lookups cached for `freshMs` (sessions arrive in bursts from one mirror), and that keep serving
 * the last answer MySQL gave while MySQL is unreachable, so a store outage does not stop paired
 * mirrors from connecting and handing over sessions. Callers asking for a key being loaded share
 * that load. `forget` drops an entry this process changed, and any load of it under way.
 */
function cachedLookup<T>(load: (key: string) => Promise<T>, freshMs: number) {
  const last = new Map<string, { value: T; at: number }>();
  const loading = new Map<string, Promise<T>>();
  return {
    async get(key: string): Promise<T> {
      const hit = last.get(key);
      if (hit && Date.now() - hit.at < freshMs) return hit.value;
      let pending = loading.get(key);
      if (!pending) {
        const started: Promise<T> = load(key).then(
          (value) => {
            // Forgotten while loading: the answer may predate the change.
            if (loading.get(key) === started) last.set(key, { value, at: Date.now() });
            return value;
          },
        ).finally(() => {
          if (loading.get(key) === started) loading.delete(key);
        });
        loading.set(key, started);
        pending = started;
      }
      try {
        return await pending;
      } catch (err) {
        if (hit) return hit.value;
        throw err;
      }
    },
    forget(key: string) {
      last.delete(key);
      loading.delete(key);
    },
  };
}

/** `work` on one pool connection inside a transaction: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const result = await work(conn);
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

export interface DeviceRegistryOptions {
  /** Most devices whose secret hash (or pairing) one MySQL query looks up during a connect storm; 1: a query per connect (batchedLookup.ts). */
  lookupBatch?: number;
}

/** `log` hears what the registry gets past on its own (a secret hash not upgraded). */
export function createDeviceRegistry(pool: Pool, log?: Logger, opts: DeviceRegistryOptions = {}): DeviceRegistry {
  const maxBatch = opts.lookupBatch ?? 200;
  /** `sql` ends in a comparison with the device id: one key as a prepared statement (as before batching), several in one IN list. */
  const rowsFor = async (sql: string, ids: string[]) =>
    (ids.length === 1 ? await pool.execute<RowDataPacket[]>(`${sql} = ?`, ids) : await pool.query<RowDataPacket[]>(`${sql} IN (?)`, [ids]))[0];
  const secretHashes = cachedLookup(
    batchedLookup({
      maxBatch,
      loadMany: async (ids) =>
        new Map(
          (await rowsFor('SELECT device_id, secret_hash FROM devices WHERE revoked_at IS NULL AND device_id', ids)).map(
            (row) => [String(row.device_id), String(row.secret_hash)] as const,
          ),
        ),
    }),
    0, // connects are rare: a revoked device is refused at once
  );
  const toBinding = (row: RowDataPacket | undefined): DeviceBinding | undefined =>
    row
      ? { uid: String(row.user_id), pairingId: String(row.pairing_id), ...(row.display_name != null ? { displayName: String(row.display_name) } : {}) }
      : undefined;
  const bindings = cachedLookup(
    batchedLookup({
      maxBatch,
      loadMany: async (ids) =>
        new Map(
          (
            await rowsFor(
              `SELECT b.device_id, b.user_id, b.pairing_id, p.display_name FROM device_bindings b
               LEFT JOIN device_pairings p ON p.pairing_id = b.pairing_id WHERE b.device_id`,
              ids,
            )
          ).map((row) => [String(row.device_id), toBinding(row)!] as const),
        ),
    }),
    5000,
  );
  // A pairing's person never changes, so a found pairing may be cached for long.
  const pastPairings = cachedLookup(async (key): Promise<DeviceBinding | undefined> => {
    const [deviceId, pairingId] = key.split('\n') as [string, string];
    const [rows] = await pool.execute<RowDataPacket[]>(
      'SELECT user_id, pairing_id, display_name FROM device_pairings WHERE device_id = ? AND pairing_id = ?',
      [deviceId, pairingId],
    );
    return toBinding(rows[0]);
  }, 60_000);

  /** Marks the open pairing of a mirror ended and removes its binding; inside the caller's transaction. */
  async function endPairing(conn: PoolConnection, deviceId: string, by: UnpairedBy, ifPairedWith?: string): Promise<DeviceBinding | undefined> {
    const [rows] = await conn.execute<RowDataPacket[]>(
      `SELECT b.user_id, b.pairing_id, p.display_name FROM device_bindings b
       LEFT JOIN device_pairings p ON p.pairing_id = b.pairing_id WHERE b.device_id = ? FOR UPDATE`,
      [deviceId],
    );
    const ended = toBinding(rows[0]);
    if (!ended || (ifPairedWith !== undefined && ended.uid !== ifPairedWith)) return undefined;
    await conn.execute('UPDATE device_pairings SET unpaired_at = CURRENT_TIMESTAMP, unpaired_by = ? WHERE pairing_id = ? AND unpaired_at IS NULL', [by, ended.pairingId]);
    await conn.execute('DELETE FROM device_bindings WHERE device_id = ?', [deviceId]);
    return ended;
  }

  return {
    async create(opts = {}, db: Queryable = pool) {
      const deviceId = opts.deviceId ?? `mirror-${randomBytes(5).toString('hex')}`;
      if (!isValidDeviceId(deviceId)) {
        throw new Error(`device id ${JSON.stringify(deviceId)} must be 2-64 letters, digits, '-' or '_'`);
      }
      const secret = newDeviceSecret();
      await db.execute('INSERT INTO devices (device_id, secret_hash, name, room) VALUES (?, ?, ?, ?)', [
        deviceId,
        hashDeviceSecret(secret),
        opts.name ?? null,
        opts.room ?? null,
      ]);
      return { deviceId, secret };
    },

    async verify(deviceId, secret) {
      const hash = await secretHashes.get(deviceId);
      const ok = hash ? await verifyDeviceSecret(secret, hash) : false;
      if (ok && needsRehash(hash!)) {
        // An older scrypt hash: replaced by the cheap form once, so later connects skip scrypt.
        await pool
          .execute('UPDATE devices SET secret_hash = ? WHERE device_id = ? AND secret_hash = ?', [hashDeviceSecret(secret), deviceId, hash!])
          .catch((err: Error) => log?.warn({ err: err.message, deviceId }, 'secret hash not upgraded: the next connect checks the old one again'));
      }
      return ok;
    },

    async bind(deviceId, uid, opts = {}) {
      await ensureProfile(pool, uid, { displayName: opts.displayName });
      // A new pairing id on every bind: sessions carry the pairing they were recorded under.
      const pairingId = randomUUID();
      await inTransaction(pool, async (conn) => {
        await endPairing(conn, deviceId, 'repair');
        await conn.execute('INSERT INTO device_pairings (pairing_id, device_id, user_id, display_name) VALUES (?, ?, ?, ?)', [
          pairingId,
          deviceId,
          uid,
          opts.displayName ?? null,
        ]);
        await conn.execute('INSERT INTO device_bindings (device_id, user_id, pairing_id) VALUES (?, ?, ?)', [deviceId, uid, pairingId]);
      });
      bindings.forget(deviceId);
      return { uid, pairingId, ...(opts.displayName !== undefined ? { displayName: opts.displayName } : {}) };
    },

    async unbind(deviceId, opts = {}) {
      const ended = await inTransaction(pool, (conn) => endPairing(conn, deviceId, opts.by ?? 'admin', opts.ifPairedWith));
      bindings.forget(deviceId);
      return ended;
    },

    bindingOf: (deviceId) => bindings.get(deviceId),

    async pairingOf(deviceId, pairingId) {
      const key = `${deviceId}\n${pairingId}`;
      const found = await pastPairings.get(key);
      if (!found) pastPairings.forget(key); // an unknown id may become known (just paired): do not cache the miss
      return found;
    },

    async info(deviceId) {
      const [rows] = await pool.execute<RowDataPacket[]>('SELECT device_id, name, room FROM devices WHERE device_id = ? AND revoked_at IS NULL', [deviceId]);
      const row = rows[0];
      if (!row) return undefined;
      return { deviceId: String(row.device_id), ...(row.name != null ? { name: String(row.name) } : {}), ...(row.room != null ? { room: String(row.room) } : {}) };
    },

    forget(deviceId) {
      bindings.forget(deviceId);
    },
  };
}
