/**
 * Provisioning by claim: a claim token is baked into a mirror image; on first boot the mirror
 * trades it for its own device id and secret. Only the token's sha256 is stored. A claim has a
 * number of uses, an optional expiry, and can be revoked; every refusal names which.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { FLEET_GROUP_PATTERN, type ClaimRequest, type ClaimResponse } from '@pose-coach/protocol';
import { inTransaction, type DeviceRegistry } from '../devices/deviceRegistry.ts';
import { FleetError } from './fleetErrors.ts';
import { createConcurrencyGate, GateFull } from '../guards/concurrencyGate.ts';

export interface ClaimInfo {
  claimId: string;
  group?: string;
  maxUses: number;
  usedCount: number;
  expiresAt?: string;
  revokedAt?: string;
  createdAt: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const iso = (v: unknown) => (v == null ? undefined : new Date(v as string).toISOString());

export function createClaims(deps: {
  pool: Pool;
  registry: DeviceRegistry;
  onProvisioned?(deviceId: string, group?: string): void;
  /** Claims in flight at once (each holds one pool connection at a time), and how many may wait. */
  concurrency?: number;
  maxWaiting?: number;
}) {
  const { pool } = deps;
  const gate = createConcurrencyGate({ limit: deps.concurrency ?? 2, maxWaiting: deps.maxWaiting ?? 500, maxWaitMs: 10_000 });
  const toInfo = (r: RowDataPacket): ClaimInfo => ({
    claimId: String(r.claim_id),
    ...(r.group_name != null ? { group: String(r.group_name) } : {}),
    maxUses: Number(r.max_uses),
    usedCount: Number(r.used_count),
    ...(r.expires_at != null ? { expiresAt: iso(r.expires_at) } : {}),
    ...(r.revoked_at != null ? { revokedAt: iso(r.revoked_at) } : {}),
    createdAt: iso(r.created_at)!,
  });

  return {
    /** A new claim; the token is returned once (only its hash is kept). */
    async create(opts: { maxUses: number; ttlS?: number; group?: string }): Promise<ClaimInfo & { claimToken: string }> {
      if (!Number.isInteger(opts.maxUses) || opts.maxUses < 1) throw new FleetError('BAD_REQUEST', 'maxUses must be a whole number of at least 1');
      if (opts.group !== undefined && !FLEET_GROUP_PATTERN.test(opts.group)) throw new FleetError('BAD_REQUEST', `group ${JSON.stringify(opts.group)}: letters, digits, . _ - (up to 64)`);
      const claimId = `claim-${randomBytes(6).toString('hex')}`;
      const claimToken = `pcclaim_${randomBytes(24).toString('base64url')}`;
      await pool.execute(
        'INSERT INTO fleet_claims (claim_id, token_sha256, group_name, max_uses, expires_at) VALUES (?, ?, ?, ?, ?)',
        [claimId, sha256(claimToken), opts.group ?? null, opts.maxUses, opts.ttlS ? new Date(Date.now() + opts.ttlS * 1000) : null],
      );
      const [rows] = await pool.execute<RowDataPacket[]>('SELECT * FROM fleet_claims WHERE claim_id = ?', [claimId]);
      return { ...toInfo(rows[0]!), claimToken };
    },

    async list(): Promise<ClaimInfo[]> {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT * FROM fleet_claims ORDER BY created_at, claim_id');
      return rows.map(toInfo);
    },

    async revoke(claimId: string): Promise<void> {
      const [res] = await pool.execute<ResultSetHeader>(
        'UPDATE fleet_claims SET revoked_at = COALESCE(revoked_at, CURRENT_TIMESTAMP) WHERE claim_id = ?',
        [claimId],
      );
      if (res.affectedRows === 0) throw new FleetError('NOT_FOUND', `no claim ${claimId}`);
    },

    /**
     * Trades a claim token for a new device's credentials. A use is taken by one conditional
     * UPDATE (the row lock lasts that statement only), then the device is created in its own
     * transaction on one connection, and the use is given back if that fails. No connection
     * waits on a lock while holding another, so a fleet's first boot (every mirror claiming
     * with the same token at once) cannot exhaust the pool; the gate keeps claims to a few
     * connections whatever their number (issue 14: 12 parallel claims froze the pool for 50 s).
     */
    redeem: (req: ClaimRequest): Promise<ClaimResponse> =>
      gate.run(() => redeemNow(req)).catch((err: Error) => {
        if (err instanceof GateFull) throw new FleetError('CLAIMS_BUSY', `too many mirrors are claiming at once (${err.message}); try again shortly`, 2);
        throw err;
      }),
  };

  async function redeemNow(req: ClaimRequest): Promise<ClaimResponse> {
    const tokenHash = sha256(req.claimToken);
    const [taken] = await pool.execute<ResultSetHeader>(
      `UPDATE fleet_claims SET used_count = used_count + 1
       WHERE token_sha256 = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > CURRENT_TIMESTAMP) AND used_count < max_uses`,
      [tokenHash],
    );
    if (taken.affectedRows === 0) throw await refusal(tokenHash);
    const [rows] = await pool.execute<RowDataPacket[]>('SELECT claim_id, group_name FROM fleet_claims WHERE token_sha256 = ?', [tokenHash]);
    const claim = rows[0]!;
    const group = claim.group_name != null ? String(claim.group_name) : undefined;
    let created: ClaimResponse;
    try {
      created = await inTransaction(pool, async (conn) => {
        let made: ClaimResponse;
        try {
          made = await deps.registry.create({ deviceId: req.deviceId, name: req.name }, conn);
        } catch (err) {
          // The proposed id is taken: a claim never hands out an existing mirror's identity.
          if ((err as { code?: string }).code !== 'ER_DUP_ENTRY' || !req.deviceId) throw err;
          made = await deps.registry.create({ name: req.name }, conn);
        }
        await conn.execute(
          'INSERT INTO fleet_devices (device_id, group_name, claim_id, model, app_version) VALUES (?, ?, ?, ?, ?)',
          [made.deviceId, group ?? null, claim.claim_id, req.model ?? null, req.appVersion ?? null],
        );
        return made;
      });
    } catch (err) {
      await pool.execute('UPDATE fleet_claims SET used_count = used_count - 1 WHERE claim_id = ? AND used_count > 0', [claim.claim_id]).catch(() => undefined);
      throw err;
    }
    deps.onProvisioned?.(created.deviceId, group);
    return created;
  }

  /** Why a claim token was not honoured, read after the conditional UPDATE took nothing. */
  async function refusal(tokenHash: string): Promise<FleetError> {
    const [rows] = await pool.execute<RowDataPacket[]>(
      'SELECT *, (expires_at IS NOT NULL AND expires_at <= CURRENT_TIMESTAMP) AS expired FROM fleet_claims WHERE token_sha256 = ?',
      [tokenHash],
    );
    const claim = rows[0];
    if (!claim) return new FleetError('claim_unknown', 'this claim token is not known to the fleet');
    if (claim.revoked_at != null) return new FleetError('claim_revoked', `claim ${claim.claim_id} was revoked by the fleet operator`);
    if (Number(claim.expired)) return new FleetError('claim_expired', `claim ${claim.claim_id} expired at ${iso(claim.expires_at)}`);
    return new FleetError('claim_exhausted', `claim ${claim.claim_id} has been used ${claim.used_count} of ${claim.max_uses} times`);
  }
}
