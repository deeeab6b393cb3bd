/**
 * Provisioning by claim: a claim token is baked into a mirror image; on first boot the mirror
 * trades it for its own device id and secret. Only the token's sha256 is stored. A claim has a
 * number of uses, an optional expiry, and can be revoked; every refusal names which.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { FLEET_GROUP_PATTERN, type ClaimRequest, type ClaimResponse } from '@pose-coach/protocol';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import { FleetError } from './fleetErrors.ts';

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

export function createClaims(deps: { pool: Pool; registry: DeviceRegistry; onProvisioned?(deviceId: string, group?: string): void }) {
  const { pool } = deps;
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
      const [res] = await pool.execute<import('mysql2').ResultSetHeader>(
        'UPDATE fleet_claims SET revoked_at = COALESCE(revoked_at, CURRENT_TIMESTAMP) WHERE claim_id = ?',
        [claimId],
      );
      if (res.affectedRows === 0) throw new FleetError('NOT_FOUND', `no claim ${claimId}`);
    },

    /** Trades a claim token for a new device's credentials; the use is counted under a row lock. */
    async redeem(req: ClaimRequest): Promise<ClaimResponse> {
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        const [rows] = await conn.execute<RowDataPacket[]>(
          'SELECT *, (expires_at IS NOT NULL AND expires_at <= CURRENT_TIMESTAMP) AS expired FROM fleet_claims WHERE token_sha256 = ? FOR UPDATE',
          [sha256(req.claimToken)],
        );
        const claim = rows[0];
        if (!claim) throw new FleetError('claim_unknown', 'this claim token is not known to the fleet');
        if (claim.revoked_at != null) throw new FleetError('claim_revoked', `claim ${claim.claim_id} was revoked by the fleet operator`);
        if (Number(claim.expired)) throw new FleetError('claim_expired', `claim ${claim.claim_id} expired at ${iso(claim.expires_at)}`);
        if (Number(claim.used_count) >= Number(claim.max_uses)) {
          throw new FleetError('claim_exhausted', `claim ${claim.claim_id} has been used ${claim.used_count} of ${claim.max_uses} times`);
        }
        const group = claim.group_name != null ? String(claim.group_name) : undefined;
        let created: ClaimResponse;
        try {
          created = await deps.registry.create({ deviceId: req.deviceId, name: req.name });
        } catch (err) {
          // The proposed id is taken: a claim never hands out an existing mirror's identity.
          if ((err as { code?: string }).code !== 'ER_DUP_ENTRY' || !req.deviceId) throw err;
          created = await deps.registry.create({ name: req.name });
        }
        await conn.execute(
          'INSERT INTO fleet_devices (device_id, group_name, claim_id, model, app_version) VALUES (?, ?, ?, ?, ?)',
          [created.deviceId, group ?? null, claim.claim_id, req.model ?? null, req.appVersion ?? null],
        );
        await conn.execute('UPDATE fleet_claims SET used_count = used_count + 1 WHERE claim_id = ?', [claim.claim_id]);
        await conn.commit();
        deps.onProvisioned?.(created.deviceId, group);
        return created;
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    },
  };
}

export type Claims = ReturnType<typeof createClaims>;
