/** Plane geometry on keypoints, in pixels. */
export interface Point {
  x: number;
  y: number;
}

export const distance = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

export const midpoint = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/** The angle at `b` between b→a and b→c, in degrees 0..180. */
export function angleAt(a: Point, b: Point, c: Point): number {
  const v1x = a.x - b.x;
  const v1y = a.y - b.y;
  const v2x = c.x - b.x;
  const v2y = c.y - b.y;
  const n = Math.hypot(v1x, v1y) * Math.hypot(v2x, v2y);
  if (n === 0) return 180;
  const cos = Math.min(1, Math.max(-1, (v1x * v2x + v1y * v2y) / n));
  return (Math.acos(cos) * 180) / Math.PI;
}

/** Angle of the segment a→b away from the vertical, degrees 0..90 (0 = upright, 90 = flat). */
export function tiltFromVertical(a: Point, b: Point): number {
  return (Math.atan2(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) * 180) / Math.PI;
}

/** Linear grade: 1 at `good` or better, 0 at `bad` or worse (either direction). */
export function grade(value: number, good: number, bad: number): number {
  if (good === bad) return value === good ? 1 : 0;
  const g = (value - bad) / (good - bad);
  return Math.min(1, Math.max(0, g));
}

export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
