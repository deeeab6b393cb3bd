/** SessionRepository on MySQL / MariaDB: table workout_sessions, keyed for idempotency by session_id. */
import type { Pool, RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import type { StoredSession, SessionStats } from '@pose-coach/protocol';
import { checkLimit, roundAccuracy, type SessionRepository, type TimeRange } from '../sessionRepository.ts';
import { isTimeZone } from '../time/zonedTime.ts';
import { isMysqlError } from './pool.ts';
import { assertUid } from './profiles.ts';
import { fromSessionRow, INSERT_SESSION_SQL, legacyRowId, SESSION_COLUMNS, toInsertValues } from './sessionRow.ts';

/** WHERE clause for one person's sessions, optionally in a time range (text compare on ISO UTC). */
function ownerAndRange(uid: string, range?: TimeRange): { where: string; params: string[] } {
  if (!range) return { where: 'user_id = ?', params: [uid] };
  return { where: 'user_id = ? AND `timestamp` >= ? AND `timestamp` < ?', params: [uid, range.fromIso, range.toIso] };
}

/** WHERE clause for one session of one person, by its UUID or the legacy `mysql-<id>` form. */
function oneSession(uid: string, sessionId: string): { where: string; params: (string | number)[] } {
  const legacyId = legacyRowId(sessionId);
  if (legacyId !== undefined) return { where: 'user_id = ? AND id = ? AND session_id IS NULL', params: [uid, legacyId] };
  return { where: 'user_id = ? AND session_id = ?', params: [uid, sessionId] };
}

export function createMysqlSessionRepository(pool: Pool): SessionRepository {
  return {
    name: 'mysql',

    async save(session: StoredSession) {
      assertUid(session.userId);
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        // DESIGN.md: a profile row exists before a session row. A new profile takes the mirror's
        // time zone; an existing one keeps whatever the person set.
        const timeZone = session.timeZone !== undefined && isTimeZone(session.timeZone) ? session.timeZone : null;
        await conn.execute(
          `INSERT INTO user_health_profiles (userId, timeZone) VALUES (?, ?)
           ON DUPLICATE KEY UPDATE timeZone = COALESCE(timeZone, VALUES(timeZone))`,
          [session.userId, timeZone],
        );
        await conn.execute(INSERT_SESSION_SQL, toInsertValues(session));
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
