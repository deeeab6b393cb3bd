/** How numbers, durations and times read on the phone. */
export const percent = (accuracy: number) => `${Math.round(accuracy * 100)} %`;

export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export const when = (iso: string, timeZone?: string) =>
  new Date(iso).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', ...(timeZone ? { timeZone } : {}) });

/** "squat" → "Squat", "push_up" → "Push up"; an `other` session shows its movement name when it has one. */
export function activityName(s: { exercise: string; movement?: string }): string {
  if (s.exercise === 'other') return s.movement ?? 'Other exercise';
  const words = s.exercise.replace(/_/g, ' ');
  return words[0]!.toUpperCase() + words.slice(1);
}

export const mirrorName = (m: { name: string | null; room: string | null; deviceId: string }) =>
  m.room ? `Mirror in ${m.room}` : m.name ? m.name : `Mirror ${m.deviceId.slice(0, 8)}`;
