/**
 * Reads a frame's keypoints by joint name, ignoring joints the estimator is unsure of.
 * Joint names are the 17 COCO names that @pose-coach/inference emits.
 */
import type { PoseFrame } from './types.ts';
import { midpoint, type Point } from './geometry.ts';

export type Side = 'left' | 'right';
export const SIDES: readonly Side[] = ['left', 'right'];

export type JointName =
  | 'nose'
  | 'left_eye' | 'right_eye' | 'left_ear' | 'right_ear'
  | 'left_shoulder' | 'right_shoulder' | 'left_elbow' | 'right_elbow' | 'left_wrist' | 'right_wrist'
  | 'left_hip' | 'right_hip' | 'left_knee' | 'right_knee' | 'left_ankle' | 'right_ankle';

export type Limb = 'shoulder' | 'elbow' | 'wrist' | 'hip' | 'knee' | 'ankle';

export interface Joint extends Point {
  score: number;
}

/** Below this confidence a joint is treated as not seen (MoveNet guesses hidden joints at ~0.1–0.3). */
export const MIN_JOINT_SCORE = 0.25;

export class Skeleton {
  private readonly joints = new Map<string, Joint>();

  constructor(frame: PoseFrame, readonly minScore = MIN_JOINT_SCORE) {
    for (const k of frame.keypoints) this.joints.set(k.name, { x: k.x, y: k.y, score: k.score });
  }

  /** The joint if seen with enough confidence. */
  get(name: JointName): Joint | undefined {
    const j = this.joints.get(name);
    return j && j.score >= this.minScore ? j : undefined;
  }

  limb(side: Side, limb: Limb): Joint | undefined {
    return this.get(`${side}_${limb}` as JointName);
  }

  /** Between the left and right joint when both are seen, else the one that is (a side view hides one). */
  centre(limb: Limb): Point | undefined {
    const l = this.limb('left', limb);
    const r = this.limb('right', limb);
    return l && r ? midpoint(l, r) : (l ?? r);
  }

  /** Mean confidence of one side's joints (the side facing the camera scores higher in a side view). */
  sideScore(side: Side): number {
    const limbs: Limb[] = ['shoulder', 'elbow', 'wrist', 'hip', 'knee', 'ankle'];
    return limbs.reduce((s, l) => s + (this.joints.get(`${side}_${l}`)?.score ?? 0), 0) / limbs.length;
  }

  /** Lowest confidence among a chain of one side's joints (how well that limb is seen). */
  chainScore(side: Side, limbs: readonly Limb[]): number {
    return Math.min(...limbs.map((l) => this.joints.get(`${side}_${l}`)?.score ?? 0));
  }

  get size(): number {
    return this.joints.size;
  }
}
