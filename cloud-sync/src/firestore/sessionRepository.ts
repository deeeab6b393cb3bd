/** SessionRepository on Firestore: users/{uid}/workoutSessions/{sessionId}. */
import { AggregateField, type Firestore, type Query } from 'firebase-admin/firestore';
import { sessionDocPath, type StoredSession, type SessionStats } from '@pose-coach/protocol';
import { checkLimit, decodeCursor, pageOf, roundAccuracy, saveEachAlone, type SessionRepository, type TimeRange, type WorkoutSessionRecord } from '../sessionRepository.ts';
import { fromSessionDocument, toSessionDocument } from './sessionDocument.ts';

// gRPC status codes the Firestore client reports in `error.code`.
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
/** UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED: the store, not a session, is at fault. */
const STORE_WIDE = [14, 4, 8];
/** Writes one Firestore commit may carry. */
const COMMIT_LIMIT = 500;

function hasCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

export function createFirestoreSessionRepository(firestore: Firestore): SessionRepository {
  const sessions = (uid: string) => firestore.collection(`users/${uid}/workoutSessions`);

  function inRange(uid: string, range?: TimeRange): Query {
    let query: Query = sessions(uid);
    if (range) query = query.where('timestamp', '>=', range.fromIso).where('timestamp', '<', range.toIso);
    return query;
  }

  async function save(session: StoredSession): Promise<'created' | 'exists'> {
    // create() carries the precondition "does not exist yet": a repeat is refused by the server
    // as a whole, so createdAt and every other field keep their first values.
    try {
      await firestore.doc(sessionDocPath(session.userId, session.sessionId)).create(toSessionDocument(session));
      return 'created';
    } catch (error) {
      if (hasCode(error, ALREADY_EXISTS)) return 'exists';
      throw error;
    }
  }

  return {
    name: 'firestore',

    save,

    async saveMany(list) {
      if (list.length <= 1) return saveEachAlone(save, list);
      if (list.length > COMMIT_LIMIT) {
        const parts = [];
        for (let i = 0; i < list.length; i += COMMIT_LIMIT) parts.push(this.saveMany(list.slice(i, i + COMMIT_LIMIT)));
        return (await Promise.all(parts)).flat();
      }
      // One commit for all the creates: one RPC instead of one per session. A commit is all or
      // nothing, and a repeat (ALREADY_EXISTS) or a bad path fails it as a whole, so then each is
      // saved alone: creates already applied answer "exists" and keep their first values.
      try {
        const batch = firestore.batch();
        for (const session of list) batch.create(firestore.doc(sessionDocPath(session.userId, session.sessionId)), toSessionDocument(session));
        await batch.commit();
      } catch (error) {
        // Firestore unreachable or overloaded: asking again once per session would only add load.
        if (STORE_WIDE.some((code) => hasCode(error, code))) return list.map(() => ({ status: 'rejected', reason: error }) as const);
        return saveEachAlone(save, list);
      }
      return list.map(() => ({ status: 'fulfilled', value: 'created' }) as const);
    },

    async get(uid, sessionId) {
      const snapshot = await firestore.doc(sessionDocPath(uid, sessionId)).get();
      return snapshot.exists ? fromSessionDocument(snapshot) : undefined;
    },

    async list(uid, range, limit) {
      let query = inRange(uid, range).orderBy('timestamp', 'desc');
      const max = checkLimit(limit);
      if (max !== undefined) query = query.limit(max);
      const result = await query.get();
      return result.docs.map(fromSessionDocument);
    },

    async stats(uid, range): Promise<SessionStats> {
      // One aggregation round trip. Accuracy is summed and divided here rather than averaged by
      // the server, whose average() is null when nothing matches (the interface wants 0).
      const result = await inRange(uid, range)
        .aggregate({
          totalSessions: AggregateField.count(),
          totalReps: AggregateField.sum('reps'),
          accuracySum: AggregateField.sum('accuracy'),
          totalDuration: AggregateField.sum('duration'),
        })
        .get();
      const data = result.data();
      const totalSessions = Number(data.totalSessions ?? 0);
      return {
        totalSessions,
        totalReps: Number(data.totalReps ?? 0),
        averageAccuracy: totalSessions > 0 ? roundAccuracy(Number(data.accuracySum ?? 0) / totalSessions) : 0,
        totalDuration: Number(data.totalDuration ?? 0),
      };
    },

    async page(uid, { range, limit, cursor }) {
      const max = checkLimit(limit) ?? 1;
      const newestFirst = (q: Query) => q.orderBy('timestamp', 'desc').orderBy('sessionId', 'desc');
      if (cursor === undefined) {
        const result = await newestFirst(inRange(uid, range)).limit(max + 1).get();
        return pageOf(result.docs.map(fromSessionDocument), max);
      }
      // (timestamp, sessionId) is a total order, so a page boundary inside equal timestamps loses
      // nothing. The position is expressed as filters rather than startAfter(): the rest of the
      // cursor's own timestamp, then everything older. (The in-process emulator ignores
      // startAfter; a real Firestore needs the composite index in firestore.indexes.json.)
      const after = decodeCursor(cursor);
      const rows: WorkoutSessionRecord[] = [];
      const inWindow = !range || (after.timestamp >= range.fromIso && after.timestamp < range.toIso);
      if (inWindow) {
        const sameTime = await sessions(uid)
          .where('timestamp', '==', after.timestamp)
          .where('sessionId', '<', after.sessionId)
          .orderBy('sessionId', 'desc')
          .limit(max + 1)
          .get();
        rows.push(...sameTime.docs.map(fromSessionDocument));
      }
      if (rows.length <= max) {
        let older: Query = sessions(uid).where('timestamp', '<', range && range.toIso < after.timestamp ? range.toIso : after.timestamp);
        if (range) older = older.where('timestamp', '>=', range.fromIso);
        const result = await newestFirst(older).limit(max + 1 - rows.length).get();
        rows.push(...result.docs.map(fromSessionDocument));
      }
      return pageOf(rows, max);
    },

    async put(session) {
      const ref = firestore.doc(sessionDocPath(session.userId, session.sessionId));
      // create() when absent (createdAt set by the server); else every field but createdAt replaced.
      try {
        await ref.create(toSessionDocument(session));
      } catch (error) {
        if (!hasCode(error, ALREADY_EXISTS)) throw error;
        const { createdAt: _kept, ...fields } = toSessionDocument(session);
        await ref.update(fields);
      }
    },

    async delete(uid, sessionId) {
      // The "exists" precondition tells us in one round trip whether there was anything to delete.
      try {
        await firestore.doc(sessionDocPath(uid, sessionId)).delete({ exists: true });
        return true;
      } catch (error) {
        if (hasCode(error, NOT_FOUND)) return false;
        throw error;
      }
    },
  };
}

/**
 * The uids with a users/{uid} document or subcollection. A real Firestore lists them; the
 * in-process emulator does not implement ListDocuments, so there this is [] and reconcile relies
 * on the uids MySQL knows.
 */
const GRPC_UNIMPLEMENTED = 12;

export async function listFirestoreUids(firestore: Firestore): Promise<string[]> {
  try {
    return (await firestore.collection('users').listDocuments()).map((d) => d.id);
  } catch (err) {
    // gRPC UNIMPLEMENTED (12) is the emulator's "no ListDocuments"; anything else (unreachable, denied) is the caller's to hear.
    if ((err as { code?: unknown }).code === GRPC_UNIMPLEMENTED) return [];
    throw err;
  }
}
