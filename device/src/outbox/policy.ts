/**
 * Disk policy of the outbox (README.md here, "Disk policy"). A session summary is about 1–4 KB,
 * so the defaults bound the database to a few tens of MB.
 */
export interface DiskPolicy {
  /** Sessions waiting for the gateway. Beyond it the OLDEST waiting session is dropped (logged, counted). */
  maxPending: number;
  /** Finished sessions kept for the mirror's history once synced or rejected: by age… */
  historyDays: number;
  /** …and by count. Sessions still waiting are never pruned from history. */
  maxHistory: number;
  quarantineDays: number;
  maxQuarantine: number;
}

export const DEFAULT_DISK_POLICY: DiskPolicy = {
  maxPending: 5000,
  historyDays: 62,
  maxHistory: 2000,
  quarantineDays: 90,
  maxQuarantine: 500,
};
