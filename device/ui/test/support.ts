/** Helpers for the UI tests: poses of a standing person, and the recorded agent stream. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LiveKeypoint, SessionPayload } from '@pose-coach/protocol';
import { parseRecording, type RecordedEvent } from '../src/live/replayBackend.ts';
import { exampleSession } from '@pose-coach/protocol/testing';

export const FIXTURE = resolve(import.meta.dirname, '../fixtures/simulated-squats.jsonl');

export function recording(): RecordedEvent[] {
  return parseRecording(readFileSync(FIXTURE, 'utf8'));
}

/** A person standing, seen by the camera with their centre at camera-x `cx`, from `top` to `bottom`. */
export function standing(cx = 0.5, top = 0.1, bottom = 0.9, drop: string[] = []): LiveKeypoint[] {
  const h = bottom - top;
  const at = (dx: number, fy: number) => ({ x: cx + dx, y: top + fy * h });
  const joints: Record<string, { x: number; y: number }> = {
    nose: at(0, 0.05), left_eye: at(0.01, 0.03), right_eye: at(-0.01, 0.03), left_ear: at(0.02, 0.04), right_ear: at(-0.02, 0.04),
    left_shoulder: at(0.06, 0.2), right_shoulder: at(-0.06, 0.2), left_elbow: at(0.08, 0.35), right_elbow: at(-0.08, 0.35),
    left_wrist: at(0.08, 0.48), right_wrist: at(-0.08, 0.48), left_hip: at(0.04, 0.52), right_hip: at(-0.04, 0.52),
    left_knee: at(0.04, 0.75), right_knee: at(-0.04, 0.75), left_ankle: at(0.04, 1), right_ankle: at(-0.04, 1),
  };
  return Object.entries(joints).map(([name, p]) => ({ name, ...p, score: drop.includes(name) ? 0.05 : 0.9 }));
}

export function session(overrides: Partial<SessionPayload> = {}): SessionPayload {
  return exampleSession({
    sessionId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    timestamp: new Date(Date.now() - 95_000).toISOString(),
    feedbackPoints: ['Keep your knees over your toes', 'Great depth'],
    ...overrides,
  });
}
