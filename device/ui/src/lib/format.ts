/** How numbers, names and times read on the mirror: short, whole, in the mirror's own locale. */

/** A movement the coach counts without knowing the exercise (protocol: `exercise: "other"`). */
export const UNRECOGNISED = 'other';

/** `squat` → `Squat`, `bicep_curl` → `Bicep curl`; `other` → "Exercise not recognised"; `auto` reads as nothing recognised yet. */
export function exerciseLabel(name: string | undefined): string {
  if (!name || name === 'auto') return '';
  if (name === UNRECOGNISED) return 'Exercise not recognised';
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Seconds as `m:ss` (or `h:mm:ss` past an hour). */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** 0..1 as a whole percentage. */
export function percent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** The time as hours:minutes, and the day period (AM/PM) apart where the locale uses one, to set smaller. */
export function formatClock(d: Date, locale?: string): { time: string; period: string } {
  const parts = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).formatToParts(d);
  const period = parts.find((p) => p.type === 'dayPeriod')?.value ?? '';
  const time = parts.filter((p) => p.type !== 'dayPeriod').map((p) => p.value).join('').trim();
  return { time, period };
}

export function formatDate(d: Date, locale?: string): string {
  return d.toLocaleDateString(locale, { weekday: 'long', day: 'numeric', month: 'long' });
}

/** How a per-rep score reads: three grades the person can tell apart at a glance (colour + word). */
export type ScoreGrade = 'good' | 'fair' | 'poor';
export function scoreGrade(score: number): ScoreGrade {
  return score >= 0.8 ? 'good' : score >= 0.5 ? 'fair' : 'poor';
}
