/** Sessions and temp paths for the outbox, link and agent tests. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionPayload } from '@pose-coach/protocol';
import { exampleSession } from '@pose-coach/protocol/testing';

/** Sessions as the coach would finish them; the test's own fields override. */
export function makeSession(over: Partial<SessionPayload> = {}): SessionPayload {
  return exampleSession({ reps: 10, accuracy: 0.82, timestamp: new Date().toISOString(), feedbackPoints: ['Keep your chest up'], ...over });
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `pose-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function randomDeviceId(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Polls `get` until it gives something other than undefined or false, and returns that; fails
 * naming `what` after `ms`. Works for conditions (true) and for values a test waits to read.
 */
export async function waitUntil<T>(what: string, get: () => T | undefined | false | Promise<T | undefined | false>, ms: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
