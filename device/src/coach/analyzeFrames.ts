/**
 * Offline analysis of a whole recording: runs the coach over every frame of keypoints and
 * returns the object `pose-coach analyze --json` prints (../shared/DESIGN.md, "Command line
 * contract"): the main session's exercise, reps, accuracy, duration, feedback points and per-rep
 * detail, plus every session when the recording holds more than one.
 */
import { createCoach, emptySummary, type CoachOptions } from './coach.ts';
import type { CoachEvent, PoseFrame, SessionSummary } from './types.ts';

export type AnalyzeOptions = CoachOptions;

export interface AnalysisResult extends SessionSummary {
  frames: number;
  /** Every session in the recording (the fields above are the main one's: most reps or longest hold). */
  sessions: SessionSummary[];
  /** Nothing counted, and someone was seen without the body parts counting needs: which, and what the mirror said. */
  tooLittleVisible?: { missing: string[]; say: string };
}

/** Feeds frames one at a time (as a CLI loop gets them); `result()` closes and summarises. */
export interface FrameAnalyzer {
  push(frame: PoseFrame): CoachEvent[];
  result(): AnalysisResult;
}

/** Work done in a session: reps, or seconds held for a plank. */
const work = (s: SessionSummary): number => s.reps + (s.holdSeconds ?? 0);

export function createFrameAnalyzer(opts: AnalyzeOptions = {}): FrameAnalyzer {
  const coach = createCoach(opts);
  let n = 0;
  let done: AnalysisResult | undefined;
  return {
    push(frame) {
      if (done) throw new Error('analysis already finished');
      n++;
      return coach.push(frame);
    },
    result() {
      if (done) return done;
      coach.finish();
      const sessions = [...coach.sessions];
      const recognised = sessions.filter((s) => s.exercise !== null);
      const main = recognised.reduce<SessionSummary | undefined>((best, s) => (!best || work(s) > work(best) ? s : best), undefined)
        ?? sessions[0]
        ?? emptySummary(opts.exercise && opts.exercise !== 'auto' ? opts.exercise : null);
      done = { ...main, frames: n, sessions };
      const lacking = coach.tooLittleVisible;
      if (lacking && work(main) === 0) done.tooLittleVisible = { missing: lacking.missing, say: lacking.say };
      return done;
    },
  };
}

/** Analyses every frame of a recording. */
export async function analyzeFrames(frames: AsyncIterable<PoseFrame> | Iterable<PoseFrame>, opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const analyzer = createFrameAnalyzer(opts);
  for await (const frame of frames) analyzer.push(frame);
  return analyzer.result();
}
