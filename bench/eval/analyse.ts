/** Runs the coach over a clip's frames as `pose-coach analyze` does, timing the coach's own work. */
import { createFrameAnalyzer, type AnalysisResult, type ExerciseName, type PoseFrame } from '../../device/src/coach/index.ts';

export interface Analysed {
  result: AnalysisResult;
  /** Milliseconds the coach spent over the whole clip, and on its slowest frame. */
  ms: number;
  maxMs: number;
}

export function analyse(frames: readonly PoseFrame[], exercise: ExerciseName | 'auto'): Analysed {
  const a = createFrameAnalyzer({ exercise });
  let ms = 0;
  let maxMs = 0;
  for (const f of frames) {
    const t = performance.now();
    a.push(f);
    const d = performance.now() - t;
    ms += d;
    maxMs = Math.max(maxMs, d);
  }
  const t = performance.now();
  const result = a.result();
  ms += performance.now() - t;
  return { result, ms, maxMs };
}
