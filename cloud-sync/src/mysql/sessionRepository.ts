/** SessionRepository on MySQL / MariaDB: table workout_sessions, keyed for idempotency by session_id. */
import type { Pool, RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import type { StoredSession, SessionStats } from '@pose-coach/protocol';
import { checkLimit, decodeCursor, pageOf, roundAccuracy, saveEachAlone, type SessionRepository, type TimeRange } from '../sessionRepository.ts';
import { isTimeZone } from '@pose-coach/protocol';
import { isConnectionError, isMysqlError } from './pool.ts';
import { assertUid, ensureProfileRow, ensureProfileRows } from './profiles.ts';
import { fromSessionRow, INSERT_SESSION_SQL, INSERT_SESSIONS_SQL, legacyRowId, SESSION_COLUMNS, SESSION_KEY_SQL, toInsertValues, UPSERT_SESSION_SQL } from './sessionRow.ts';

/**
 * The person's rows, matched exactly: the first test uses the (user_id, timestamp) index, the
 * second keeps uids that differ only in case apart when user_id has a case-insensitive collation
 * (the original backend's table takes its server's default, e.g. utf8mb4_general_ci; Firebase
 * uids are case-sensitive).
 */
const OWNER = 'user_id = ? AND CONVERT(user_id USING utf8mb4) COLLATE utf8mb4_bin = ?';

/** WHERE clause for one person's sessions, optionally in a time range (text compare on ISO UTC). */
function ownerAndRange(uid: string, range?: TimeRange): { where: string; params: string[] } {
  if (!range) return { where: OWNER, params: [uid, uid] };
  return { where: `${OWNER} AND \`timestamp\` >= ? AND \`timestamp\` < ?`, params: [uid, uid, range.fromIso, range.toIso] };
}

/** WHERE clause for one session of one person, by its UUID or the legacy `mysql-<id>` form. */
function oneSession(uid: string, sessionId: string): { where: string; params: (string | number)[] } {
  const legacyId = legacyRowId(sessionId);
  if (legacyId !== undefined) return { where: `${OWNER} AND id = ? AND session_id IS NULL`, params: [uid, uid, legacyId] };
  return { where: `${OWNER} AND session_id = ?`, params: [uid, uid, sessionId] };
}

/** The time zone a new person takes from their mirror's session; one who set their own keeps it. */
function zoneOf(session: StoredSession): string | undefined {
  return session.timeZone !== undefined && isTimeZone(session.timeZone) ? session.timeZone : undefined;
}

export function createMysqlSessionRepository(pool: Pool): SessionRepository {
  /** The profile row (DESIGN.md: it exists before a session row) and the session row, in one transaction. */
  async function write(session: StoredSession, sql: string): Promise<'created' | 'exists'> {
    assertUid(session.userId);
    const conn = await pool.getConnection();
    try {
      await conn.beginTransaction();
      await ensureProfileRow(conn, session.userId, { timeZone: zoneOf(session) });
      await conn.execute(sql, toInsertValues(session));
      await conn.commit();
      return 'created';
    } catch (error) {
      await conn.rollback().catch(() => {});
      // session_id is UNIQUE: the session is already stored, and the rollback wrote nothing.
      if (isMysqlError(error, 'ER_DUP_ENTRY')) return 'exists';
      throw error;
    } finally {
      conn.release();
    }
  }

  const save = (session: StoredSession) => write(session, INSERT_SESSION_SQL);

  /**
   * The profile rows and the session rows of several sessions in one transaction of three
   * multi-row statements. Throws, having written nothing, if any one row is refused.
   */
  async function writeAll(list: StoredSession[]): Promise<void> {
    for (const session of list) assertUid(session.userId);
    // Rows in uid order, so two batches of the same people lock them in the same order.
    const byUid = [...list].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    const conn = await pool.getConnection();
    try {
      await conn.beginTransaction();
      await ensureProfileRows(conn, byUid.map((s) => ({ uid: s.userId, timeZone: zoneOf(s) })));
      // Text protocol: one statement per batch size would otherwise be prepared and cached.
      await conn.query(INSERT_SESSIONS_SQL, [byUid.map(toInsertValues)]);
      await conn.commit();
    } catch (error) {
      await conn.rollback().catch(() => {});
      throw error;
    } finally {
      conn.release();
    }
  }

  return {
    name: 'mysql',

    save,

    async saveMany(list) {
      if (list.length <= 1) return saveEachAlone(save, list);
      try {
        await writeAll(list);
      } catch (error) {
        // MySQL unreachable: asking again once per session would only add load.
        if (isConnectionError(error)) return list.map(() => ({ status: 'rejected', reason: error }) as const);
        // A repeat (ER_DUP_ENTRY), a value a column refuses, a deadlock: nothing was written, and
        // each saved alone finds which one it was.
        return saveEachAlone(save, list);
      }
      return list.map(() => ({ status: 'fulfilled', value: 'created' }) as const);
    },

    async put(session) {
      await write(session, UPSERT_SESSION_SQL);
    },

    async page(uid, { range, limit, cursor }) {
      const max = checkLimit(limit) ?? 1;
      const { where, params } = ownerAndRange(uid, range);
      let after = '';
      const afterParams: string[] = [];
      if (cursor !== undefined) {
        const c = decodeCursor(cursor);
        after = ` AND (\`timestamp\` < ? OR (\`timestamp\` = ? AND ${SESSION_KEY_SQL} < ?))`;
        afterParams.push(c.timestamp, c.timestamp, c.sessionId);
      }
      // Same order as Firestore's page: (timestamp, sessionId) descending, legacy rows as mysql-<id>.
      const [rows] = await pool.execute<RowDataPacket[]>(
        `SELECT ${SESSION_COLUMNS} FROM workout_sessions WHERE ${where}${after}
          ORDER BY \`timestamp\` DESC, ${SESSION_KEY_SQL} DESC LIMIT ${max + 1}`,
        [...params, ...afterParams],
      );
      return pageOf(rows.map(fromSessionRow), max);
    },

    async get(uid, sessionId) {
      const { where, params } = oneSession(uid, sessionId);
      const [rows] = await pool.execute<RowDataPacket[]>(`SELECT ${SESSION_COLUMNS} FROM workout_sessions WHERE ${where}`, params);
      return rows[0] ? fromSessionRow(rows[0]) : undefined;
    },

    async list(uid, range, limit) {
      const { where, params } = ownerAndRange(uid, range);
      const max = checkLimit(limit);
      // LIMIT is inlined (checked to be a positive integer): MySQL 8 refuses a bound LIMIT in
      // prepared statements from some clients ("Incorrect arguments to mysqld_stmt_execute").
      const [rows] = await pool.execute<RowDataPacket[]>(
        `SELECT ${SESSION_COLUMNS} FROM workout_sessions WHERE ${where}
          ORDER BY \`timestamp\` DESC, id DESC${max === undefined ? '' : ` LIMIT ${max}`}`,
        params,
      );
      return rows.map(fromSessionRow);
    },

    async stats(uid, range): Promise<SessionStats> {
      const { where, params } = ownerAndRange(uid, range);
      const [rows] = await pool.execute<RowDataPacket[]>(
        `SELECT COUNT(*) AS total_sessions, COALESCE(SUM(reps), 0) AS total_reps,
                COALESCE(AVG(accuracy), 0) AS average_accuracy, COALESCE(SUM(duration), 0) AS total_duration
           FROM workout_sessions WHERE ${where}`,
        params,
      );
      const row: RowDataPacket = rows[0] ?? ({} as RowDataPacket);
      // SUM() comes back as DECIMAL, i.e. a string, from mysql2.
      return {
        totalSessions: Number(row.total_sessions ?? 0),
        totalReps: Number(row.total_reps ?? 0),
        averageAccuracy: roundAccuracy(Number(row.average_accuracy ?? 0)),
        totalDuration: Number(row.total_duration ?? 0),
      };
    },

    async delete(uid, sessionId) {
      const { where, params } = oneSession(uid, sessionId);
      const [result] = await pool.execute<ResultSetHeader>(`DELETE FROM workout_sessions WHERE ${where}`, params);
      return result.affectedRows > 0;
    },
  };
}

/**
 * Names the movement of one of the person's sessions in MySQL (the phone's PATCH writes Firestore
 * first). False when MySQL has no such row yet: its copy arrives from Firestore with the name.
 */
export async function setMysqlMovement(pool: Pool, uid: string, sessionId: string, movement: string): Promise<boolean> {
  const { where, params } = oneSession(uid, sessionId);
  const [result] = await pool.execute<ResultSetHeader>(`UPDATE workout_sessions SET movement = ? WHERE ${where}`, [movement, ...params]);
  return result.affectedRows > 0;
}
