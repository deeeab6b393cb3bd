/** user_health_profiles: the row every person's sessions hang from (FK, ON DELETE CASCADE). */
import type { RowDataPacket } from 'mysql2/promise';
import { assertTimeZone } from '../time/zonedTime.ts';
import type { Queryable } from './pool.ts';

export interface HealthProfile {
  userId: string;
  displayName: string | null;
  timeZone: string | null;
  /** ISO, UTC. */
  createdAt: string;
  updatedAt: string;
}

export interface ProfileFields {
  displayName?: string;
  timeZone?: string;
}

export function assertUid(uid: string): void {
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 255) {
    throw new Error(`user id must be a non-empty string of at most 255 characters, got ${JSON.stringify(uid)}`);
  }
}

/**
 * Creates the person's profile if missing; updates only the fields given (an absent field keeps
 * its stored value). `db` may be a pool or a connection inside a transaction.
 */
export async function ensureProfile(db: Queryable, uid: string, fields: ProfileFields = {}): Promise<void> {
  assertUid(uid);
  if (fields.timeZone !== undefined) assertTimeZone(fields.timeZone);
  if (fields.displayName !== undefined && fields.displayName.length > 255) {
    throw new Error('displayName must be at most 255 characters');
  }
  const updates: string[] = [];
  if (fields.displayName !== undefined) updates.push('displayName = VALUES(displayName)');
  if (fields.timeZone !== undefined) updates.push('timeZone = VALUES(timeZone)');
  // With nothing to update, a no-op assignment keeps INSERT ... ON DUPLICATE KEY from failing
  // and leaves updated_at alone.
  if (updates.length === 0) updates.push('userId = userId');
  await db.execute(
    `INSERT INTO user_health_profiles (userId, displayName, timeZone) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE ${updates.join(', ')}`,
    [uid, fields.displayName ?? null, fields.timeZone ?? null],
  );
}

export async function getProfile(db: Queryable, uid: string): Promise<HealthProfile | undefined> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT userId, displayName, timeZone,
            UNIX_TIMESTAMP(created_at) AS created_epoch, UNIX_TIMESTAMP(updated_at) AS updated_epoch
       FROM user_health_profiles WHERE userId = ?`,
    [uid],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    userId: String(row.userId),
    displayName: row.displayName === null ? null : String(row.displayName),
    timeZone: row.timeZone === null ? null : String(row.timeZone),
    createdAt: epochToIso(row.created_epoch),
    updatedAt: epochToIso(row.updated_epoch),
  };
}

/** UNIX_TIMESTAMP() result (number, or decimal string for fractional columns) → ISO UTC. */
export function epochToIso(epoch: unknown): string {
  return new Date(Number(epoch) * 1000).toISOString();
}
