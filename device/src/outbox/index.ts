export * from './types.ts';
export { openSqliteOutbox, InvalidSessionError } from './sqliteOutbox.ts';
export { DEFAULT_DISK_POLICY, type DiskPolicy } from './policy.ts';
export { createDrainer, type Drainer, type DrainerOptions } from './drainer.ts';
