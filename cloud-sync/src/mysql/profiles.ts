/** user_health_profiles: the row every person's sessions hang from (FK, ON DELETE CASCADE). */
import type { RowDataPacket } from 'mysql2/promise';
import { assertTimeZone } from '@pose-coach/protocol';
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
 * A uid the profiles table cannot hold as itself. The table may be the original backend's, made in
 * its server's default character set and collation: a longer uid is truncated by INSERT IGNORE, a
 * character outside latin1 becomes '?', and under a case-insensitive collation two people whose
 * uids differ only in case would share one row, its settings and pairings, and deleting either
 * account would cascade to both. Refused when the person pairs, before anything of theirs is stored.
 */
export class UnstorableUidError extends Error {
  override name = 'UnstorableUidError';
}

/**
 * How user_health_profiles.userId is defined, whoever created the table (undefined before 001 has
 * made it): the migrations copy it into referencing columns, pairing checks a uid fits it. Names
 * from the server's own catalogue, checked anyway, since both paste them into SQL.
 */
export async function userIdColumn(db: Pick<Queryable, 'query'>): Promise<{ type: string; maxLength: number | null; charset: string | null; collation: string | null } | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT column_type AS type, character_maximum_length AS max, character_set_name AS charset, collation_name AS collation FROM information_schema.columns
      WHERE table_schema = DATABASE() AND table_name = 'user_health_profiles' AND column_name = 'userId'`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const column = { type: String(row.type), maxLength: row.max == null ? null : Number(row.max), charset: row.charset == null ? null : String(row.charset), collation: row.collation == null ? null : String(row.collation) };
  if (!/^[a-z]+(\(\d+\))?( unsigned)?$/i.test(column.type) || (column.charset !== null && !/^\w+$/.test(`${column.charset}${column.collation}`))) {
    throw new Error(`user_health_profiles.userId has a definition that cannot be referenced: ${column.type} ${column.charset ?? ''} ${column.collation ?? ''}`);
  }
  return column;
}

/** Throws UnstorableUidError unless user_health_profiles.userId can hold `uid` exactly, as its own row. */
export async function assertUidStorable(db: Queryable, uid: string): Promise<void> {
  assertUid(uid);
  const col = await userIdColumn(db);
  const length = [...uid].length;
  if (col?.maxLength != null && length > col.maxLength) {
    throw new UnstorableUidError(`this account's id is ${length} characters; this gateway's database holds at most ${col.maxLength}`);
  }
  if (col?.charset != null) {
    const [[back]] = await db.query<RowDataPacket[]>(`SELECT CONVERT(CONVERT(? USING ${col.charset}) USING utf8mb4) AS uid`, [uid]);
    if (String(back?.uid) !== uid) throw new UnstorableUidError(`this account's id has characters this gateway's database (${col.charset}) cannot store`);
  }
  // userId is the table's key: at most one row matches, and under a case-insensitive collation it may be another person's.
  const [held] = await db.query<RowDataPacket[]>('SELECT CONVERT(userId USING utf8mb4) AS uid FROM user_health_profiles WHERE userId = ?', [uid]);
  if (held.length > 0 && !held.some((r) => String(r.uid) === uid)) {
    throw new UnstorableUidError("this account's id differs only in letter case from another account's, which this gateway's database cannot tell apart");
  }
}

/** The statements of ensureProfileRow(s), for `values`: one row's placeholders, or `?` for query()'s nested rows. */
const insertProfilesSql = (values: string) => `INSERT IGNORE INTO user_health_profiles (userId) VALUES ${values}`;
// A new person takes the given time zone; one who set their own keeps it.
const insertSettingsSql = (values: string) => `INSERT INTO user_settings (user_id, time_zone) VALUES ${values}
  ON DUPLICATE KEY UPDATE time_zone = COALESCE(time_zone, VALUES(time_zone))`;

/**
 * The person's row in user_health_profiles, the table every session hangs from. Only `userId` is
 * written: against the original backend's own table of that name, the other columns are its own.
 * INSERT IGNORE also covers such a table having NOT NULL columns without defaults.
 */
export async function ensureProfileRow(db: Queryable, uid: string, settings: { timeZone?: string | undefined } = {}): Promise<void> {
  assertUid(uid);
  await db.execute(insertProfilesSql('(?)'), [uid]);
  await db.execute(insertSettingsSql('(?, ?)'), [uid, settings.timeZone ?? null]);
}

/**
 * ensureProfileRow for several people in two statements (one row per entry, in the order given:
 * the first time zone given for a new person is the one kept, as with one call each).
 */
export async function ensureProfileRows(db: Queryable, people: { uid: string; timeZone?: string | undefined }[]): Promise<void> {
  if (people.length === 0) return;
  for (const p of people) assertUid(p.uid);
  await db.query(insertProfilesSql('?'), [[...new Set(people.map((p) => p.uid))].map((uid) => [uid])]);
  await db.query(insertSettingsSql('?'), [people.map((p) => [p.uid, p.timeZone ?? null])]);
}

/**
 * Creates the person's profile if missing; updates only the fields given (an absent field keeps
 * its stored value). `db` may be a pool or a connection inside a transaction. The settings live
 * in the gateway's own table user_settings (008). A uid the table cannot hold as itself is refused
 * (UnstorableUidError) before anything is written.
 */
export async function ensureProfile(db: Queryable, uid: string, fields: ProfileFields = {}): Promise<void> {
  await assertUidStorable(db, uid);
  if (fields.timeZone !== undefined) assertTimeZone(fields.timeZone);
  if (fields.displayName !== undefined && fields.displayName.length > 255) {
    throw new Error('displayName must be at most 255 characters');
  }
  await db.execute('INSERT IGNORE INTO user_health_profiles (userId) VALUES (?)', [uid]);
  const updates: string[] = [];
  if (fields.displayName !== undefined) updates.push('display_name = VALUES(display_name)');
  if (fields.timeZone !== undefined) updates.push('time_zone = VALUES(time_zone)');
  // With nothing to update, a no-op assignment keeps INSERT ... ON DUPLICATE KEY from failing
  // and leaves updated_at alone.
  if (updates.length === 0) updates.push('user_id = user_id');
  await db.execute(
    `INSERT INTO user_settings (user_id, display_name, time_zone) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE ${updates.join(', ')}`,
    [uid, fields.displayName ?? null, fields.timeZone ?? null],
  );
}

export async function getProfile(db: Queryable, uid: string): Promise<HealthProfile | undefined> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT p.userId, s.display_name, s.time_zone,
            UNIX_TIMESTAMP(COALESCE(s.created_at, NOW())) AS created_epoch, UNIX_TIMESTAMP(COALESCE(s.updated_at, NOW())) AS updated_epoch
       FROM user_health_profiles p LEFT JOIN user_settings s ON s.user_id = p.userId WHERE p.userId = ?`,
    [uid],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    userId: String(row.userId),
    displayName: row.display_name === null ? null : String(row.display_name),
    timeZone: row.time_zone === null ? null : String(row.time_zone),
    createdAt: epochToIso(row.created_epoch),
    updatedAt: epochToIso(row.updated_epoch),
  };
}

/** UNIX_TIMESTAMP() result (number, or decimal string for fractional columns) → ISO UTC. */
export function epochToIso(epoch: unknown): string {
  return new Date(Number(epoch) * 1000).toISOString();
}
