/** Session ⇄ Firestore document, field names exactly as the original app wrote them (DESIGN.md). */
import { FieldValue, Timestamp, type DocumentData, type DocumentSnapshot } from 'firebase-admin/firestore';
import type { StoredSession } from '@pose-coach/protocol';
import type { WorkoutSessionRecord } from '../sessionRepository.ts';

/** The additions a StoredSession may carry, written only when present. */
const OPTIONAL_FIELDS = [
  'deviceId',
  'repDetails',
  'partialReps',
  'holdSeconds',
  'model',
  'timeZone',
  'appVersion',
  'pairingId',
  'simulated',
  'movement',
] as const satisfies readonly (keyof StoredSession)[];

export function toSessionDocument(session: StoredSession): DocumentData {
  const doc: DocumentData = {
    sessionId: session.sessionId,
    userId: session.userId,
    exercise: session.exercise,
    reps: session.reps,
    accuracy: session.accuracy,
    timestamp: session.timestamp,
    duration: session.duration,
    feedbackPoints: session.feedbackPoints,
    createdAt: FieldValue.serverTimestamp(),
  };
  // Firestore refuses `undefined` values; an absent addition is simply not written.
  for (const field of OPTIONAL_FIELDS) {
    if (session[field] !== undefined) doc[field] = session[field];
  }
  return doc;
}

export function fromSessionDocument(snapshot: DocumentSnapshot): WorkoutSessionRecord {
  const data = snapshot.data() ?? {};
  const createdAt = data.createdAt instanceof Timestamp ? data.createdAt : snapshot.createTime;
  const record: WorkoutSessionRecord = {
    sessionId: typeof data.sessionId === 'string' ? data.sessionId : snapshot.id,
    userId: typeof data.userId === 'string' ? data.userId : (snapshot.ref.parent.parent?.id ?? ''),
    exercise: String(data.exercise ?? ''),
    reps: Number(data.reps ?? 0),
    accuracy: Number(data.accuracy ?? 0),
    timestamp: String(data.timestamp ?? ''),
    duration: Number(data.duration ?? 0),
    feedbackPoints: Array.isArray(data.feedbackPoints) ? data.feedbackPoints.map(String) : [],
    createdAt: (createdAt ?? Timestamp.fromMillis(0)).toDate().toISOString(),
  };
  const additions: Record<string, unknown> = {};
  for (const field of OPTIONAL_FIELDS) {
    if (data[field] !== undefined && data[field] !== null) additions[field] = data[field];
  }
  return { ...record, ...additions };
}
