/**
 * Offline analysis of a whole recording: runs the coach over every frame of keypoints and
 * returns the object `pose-coach analyze --json` prints (../shared/DESIGN.md, "Command line
 * contract"): the main session's exercise, reps, accuracy, duration, feedback points and per-rep
 * detail, plus every session when the recording holds more than one.
 */
import { createCoach, emptySummary, type CoachOptions } from './coach.ts';
import type { CoachEvent, PoseFrame, SessionSummary } from './types.ts';

export interface AnalyzeOptions extends CoachOptions {
  /** Called after each frame with the frame count so far and the coach's events for it. */
  onFrame?: (frames: number, events: CoachEvent[]) => void;
}

export interface AnalysisResult extends SessionSummary {
  frames: number;
  /** Every session in the recording (the fields above are the main one's: most reps or longest hold). */
  sessions: SessionSummary[];
}

/** Work done in a session: reps, or seconds held for a plank. */
const work = (s: SessionSummary): number => s.reps + (s.holdSeconds ?? 0);

export async function analyzeFrames(frames: AsyncIterable<PoseFrame> | Iterable<PoseFrame>, opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const { onFrame, ...coachOpts } = opts;
  const coach = createCoach(coachOpts);
  let n = 0;
  for await (const frame of frames) {
    const events = coach.push(frame);
    n++;
    onFrame?.(n, events);
  }
  coach.finish();
  const sessions = [...coach.sessions];
  const recognised = sessions.filter((s) => s.exercise !== null);
  const main = recognised.reduce<SessionSummary | undefined>((best, s) => (!best || work(s) > work(best) ? s : best), undefined)
    ?? sessions[0]
    ?? emptySummary(opts.exercise && opts.exercise !== 'auto' ? opts.exercise : null);
  return { ...main, frames: n, sessions };
}
