/**
 * @pose-coach/cloud-sync: where finished sessions are stored (Firestore and MySQL behind one
 * SessionRepository interface), the MySQL migrations, period ranges in a person's time zone,
 * and the motivational feedback built from their history.
 */
export type { WorkoutSessionRecord, TimeRange, SessionRepository, SessionPage, PageOptions, SaveOutcome } from './sessionRepository.ts';
export { roundAccuracy, CursorError, encodeCursor, decodeCursor } from './sessionRepository.ts';
export { reconcileStores, differingFields, type ReconcileReport, type ReconcileOptions, type ReconcileStores, type Difference, type DifferenceKind } from './reconcile.ts';
export { recordTombstone, findTombstones, sessionIdRecord, sessionIdRecords, knownUids, type Tombstone, type SessionIdRecord } from './mysql/tombstones.ts';

export { startFirestoreEmulator, type FirestoreEmulatorOptions, type RunningFirestoreEmulator } from './firestore/emulator.ts';
export { openFirestore, closeFirestore, type OpenFirestoreOptions } from './firestore/client.ts';
export { createFirestoreSessionRepository, listFirestoreUids } from './firestore/sessionRepository.ts';
export { toSessionDocument, fromSessionDocument } from './firestore/sessionDocument.ts';

export { createMysqlPool, isMysqlError, type Queryable } from './mysql/pool.ts';
export { runMigrations, loadMigrations, splitStatements, MIGRATIONS_DIR, type Migration, type RunMigrationsOptions } from './mysql/migrations.ts';
export { assertUidStorable, ensureProfile, ensureProfileRow, getProfile, UnstorableUidError, type HealthProfile, type ProfileFields } from './mysql/profiles.ts';
export { createMysqlSessionRepository, setMysqlMovement } from './mysql/sessionRepository.ts';

// Periods and time zones live in protocol (the mirror's history uses the same rule); re-exported for the gateway.
export { periodRange, PERIODS, type Period, assertTimeZone, isTimeZone, localDateAt, addDays, startOfLocalDay, type LocalDate } from '@pose-coach/protocol';

export { createFeedbackService, type FeedbackService, type FeedbackServiceOptions } from './feedback/service.ts';
export { computeFacts, type SessionFacts } from './feedback/facts.ts';
export { genericMessage, messageFromFacts, GENERIC_MESSAGE } from './feedback/message.ts';
export type { LlmConfig } from './feedback/llm.ts';
