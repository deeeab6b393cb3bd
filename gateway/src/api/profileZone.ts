/** The zone a person's days are counted in when the phone does not name one. */
import type { Pool } from 'mysql2/promise';
import { getProfile } from '@pose-coach/cloud-sync';
import type { Logger } from '../log.ts';

/**
 * Their profile's time zone, else UTC. A failed lookup (MySQL down) still answers, in UTC, but is
 * logged: "today" counted in the wrong zone would otherwise be a silent mistake.
 */
export async function profileZone(deps: { pool: Pool; log: Logger }, uid: string): Promise<string> {
  try {
    return (await getProfile(deps.pool, uid))?.timeZone ?? 'UTC';
  } catch (err) {
    deps.log.warn({ err: (err as Error).message, uid }, 'profile lookup failed: counting days in UTC');
    return 'UTC';
  }
}
