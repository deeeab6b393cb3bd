/** A mirror's name and room as operators see them (columns of `devices`, migration 004). */
import type { Pool } from 'mysql2/promise';

export async function labelDevice(pool: Pool, deviceId: string, labels: { name?: string | null; room?: string | null }): Promise<void> {
  const sets = (['name', 'room'] as const).filter((k) => labels[k] !== undefined);
  if (!sets.length) return;
  await pool.execute(`UPDATE devices SET ${sets.map((k) => `${k} = ?`).join(', ')} WHERE device_id = ?`, [...sets.map((k) => labels[k] ?? null), deviceId]);
}
