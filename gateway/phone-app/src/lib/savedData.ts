/**
 * The last data the app saw, kept on the phone (localStorage, per person) so it still opens and
 * reads offline, marked with when it was saved.
 */
import type { Mirror, Progress, Session, Summary } from './types.ts';

export interface Snapshot {
  savedAt: string;
  summary: Summary;
  progress: Progress;
  mirrors: Mirror[];
  sessions: Session[];
  next: string | null;
  /** Session details opened while online, by id. */
  details?: Record<string, unknown>;
}

const key = (uid: string) => `pose-coach-app:data:${uid}`;

export function loadSnapshot(uid: string): Snapshot | undefined {
  try {
    const raw = localStorage.getItem(key(uid));
    return raw ? (JSON.parse(raw) as Snapshot) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSnapshot(uid: string, snapshot: Snapshot): void {
  try {
    localStorage.setItem(key(uid), JSON.stringify(snapshot));
  } catch {
    // Storage full or disabled: the app still works online.
  }
}

export function forgetSnapshot(uid: string): void {
  localStorage.removeItem(key(uid));
}
