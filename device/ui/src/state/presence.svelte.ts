/**
 * Is somebody in front of the mirror, and how well framed? Updated on every pose but assigned only
 * on a change, so screens do not re-render 30 times a second.
 */
import type { LiveKeypoint } from '@pose-coach/protocol';
import { framingAdvice, type FramingAdvice } from '../lib/framing.ts';

/** Nobody seen for this long: the person has left (a few missed frames are not leaving). */
const LEAVE_MS = 1500;

export class Presence {
  inView = $state(false);
  advice = $state<FramingAdvice>(framingAdvice([]));
  private lastSeenAt = 0;

  update(keypoints: readonly LiveKeypoint[], now: number): void {
    const a = framingAdvice(keypoints);
    if (a.status !== 'nobody') this.lastSeenAt = now;
    const inView = now - this.lastSeenAt < LEAVE_MS;
    if (inView !== this.inView) this.inView = inView;
    if (a.status === 'nobody' && inView) return; // keep the last advice through a missed frame
    if (a.message !== this.advice.message || JSON.stringify(a.parts) !== JSON.stringify(this.advice.parts)) this.advice = a;
  }

  /** Called on a timer too: poses stop arriving when the camera does. */
  expire(now: number): void {
    if (this.inView && now - this.lastSeenAt >= LEAVE_MS) this.inView = false;
  }
}
