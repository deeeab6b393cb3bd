/** A session summary in words, for a terminal. */
import type { AnalysisResult } from './analyzeFrames.ts';

const pct = (v: number) => `${Math.round(v * 100)}%`;

export function formatSummary(r: AnalysisResult): string {
  const lacking = r.tooLittleVisible ? `\nToo little of the body visible (missing: ${r.tooLittleVisible.missing.join(', ')}): ${r.tooLittleVisible.say}.` : '';
  if (!r.exercise) {
    return `No exercise recognised in ${r.frames} frames (${r.sessions.length} session${r.sessions.length === 1 ? '' : 's'}): 0 reps.${lacking}`;
  }
  const lines: string[] = [];
  const name = r.exercise.replace(/_/g, ' ');
  if (r.exercise === 'plank') lines.push(`Plank held ${r.holdSeconds?.toFixed(1) ?? 0} s, form ${pct(r.accuracy)}, over ${r.duration.toFixed(1)} s`);
  else lines.push(`${name}: ${r.reps} rep${r.reps === 1 ? '' : 's'}${r.partialReps ? ` (+${r.partialReps} partial)` : ''}, form ${pct(r.accuracy)}, over ${r.duration.toFixed(1)} s`);
  if (r.view) lines.push(`camera view: ${r.view.replace('_', '-')}`);
  r.repDetails.forEach((d, i) => {
    const label = r.exercise === 'plank' ? `stretch ${i + 1}` : `rep ${i + 1}`;
    lines.push(`  ${label.padEnd(10)} ${d.start.toFixed(1).padStart(5)}–${d.end.toFixed(1).padEnd(5)} s  ${pct(d.score).padStart(4)}${d.cues.length ? `  ${d.cues.join('; ')}` : ''}`);
  });
  if (r.feedbackPoints.length) lines.push(`feedback: ${r.feedbackPoints.join(' · ')}`);
  if (r.sessions.length > 1) lines.push(`${r.sessions.length} sessions in this recording: ${r.sessions.map((s) => `${s.exercise ?? 'none'} ${s.exercise === 'plank' ? `${s.holdSeconds ?? 0} s` : `×${s.reps}`}`).join(', ')}`);
  return lines.join('\n') + lacking;
}
