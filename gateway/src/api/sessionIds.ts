import { createHash } from 'node:crypto';

// Fixed namespace for name-based ids of sessions posted without one (RFC 9562 §5.5, UUIDv5).
const NAMESPACE = Buffer.from('6f1d4c2a9b8e4f07a3c55d2e8b9f0a11', 'hex');

/** The same workout posted twice (same person, start time, exercise) gets the same session id. */
export function sessionIdForPost(userId: string, timestamp: string, exercise: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${userId}|${timestamp}|${exercise}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC variant
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
