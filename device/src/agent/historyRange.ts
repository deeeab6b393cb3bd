/** Start of today / this week (Monday) / this month in the mirror's local time, as an ISO UTC string. */
export type HistoryRange = 'today' | 'week' | 'month' | 'all';

export function rangeStart(range: HistoryRange, now = new Date()): string {
  if (range === 'all') return '1970-01-01T00:00:00.000Z';
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  if (range === 'week') d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  if (range === 'month') d.setDate(1);
  return d.toISOString();
}
