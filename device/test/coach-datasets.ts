/**
 * Readers of the keypoint datasets in ../shared/data/keypoints, mapped to the 17 COCO joints the
 * coach takes: BlazePose's 33 landmarks (fitness_pose_samples.csv) and OpenPose's 18 joints
 * (form_sequences/*.npy, read by a small .npy reader).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoseFrame, PoseKeypoint } from '../src/coach/index.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA_DIR = path.resolve(REPO_ROOT, '../shared/data');
export const KEYPOINTS_DIR = path.join(DATA_DIR, 'keypoints');
export const HAVE_KEYPOINTS = existsSync(path.join(KEYPOINTS_DIR, 'fitness_pose_samples.csv')) && existsSync(path.join(KEYPOINTS_DIR, 'form_sequences'));
export const NO_KEYPOINTS = '(skipped: ../shared/data/keypoints is absent)';

export const COCO = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'] as const;

/** BlazePose landmark index of each COCO joint, in COCO order. */
const FROM_BLAZEPOSE = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28];
/** OpenPose (COCO-18) index of each COCO joint: OpenPose adds a neck (1) and orders right before left. */
const FROM_OPENPOSE = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10];

export interface LabelledPose {
  label: string;
  frame: PoseFrame;
}

/** The labelled still poses (pushups_up, pushups_down, squats_up, squats_down) as one-frame PoseFrames. */
export function readFitnessPoses(): LabelledPose[] {
  const text = readFileSync(path.join(KEYPOINTS_DIR, 'fitness_pose_samples.csv'), 'utf8');
  const out: LabelledPose[] = [];
  for (const line of text.split('\n')) {
    const cells = line.trim().split(',');
    if (cells.length < 2 + 33 * 3) continue;
    const label = cells[1]!;
    const v = cells.slice(2).map(Number);
    const keypoints: PoseKeypoint[] = COCO.map((name, i) => {
      const j = FROM_BLAZEPOSE[i]!;
      // The CSV has no confidence: a landmark is as good as seen.
      return { name, x: v[j * 3]!, y: v[j * 3 + 1]!, score: 0.9 };
    });
    const xs = keypoints.map((k) => k.x);
    const ys = keypoints.map((k) => k.y);
    out.push({ label, frame: { t: 0, width: Math.ceil(Math.max(...xs)) + 1, height: Math.ceil(Math.max(...ys)) + 1, keypoints } });
  }
  return out;
}

/** A NumPy .npy file of little-endian float64 (`<f8`, C order): its shape and values. */
export function readNpy(file: string): { shape: number[]; data: Float64Array } {
  const buf = readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file} is not a .npy file`);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const offset = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', offset, offset + headerLen);
  if (!header.includes("'descr': '<f8'")) throw new Error(`${file}: only little-endian float64 is read; header ${header.trim()}`);
  if (header.includes("'fortran_order': True")) throw new Error(`${file}: Fortran order is not read`);
  const shape = (header.match(/'shape': \(([^)]*)\)/)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const start = offset + headerLen;
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readDoubleLE(start + i * 8);
  return { shape, data };
}

/** A form sequence (frames × 18 × [x, y, confidence]) as PoseFrames at `fps`. */
export function readFormSequence(file: string, fps = 30): PoseFrame[] {
  const { shape, data } = readNpy(file);
  const [frames, joints, dims] = shape as [number, number, number];
  if (joints !== 18 || dims !== 3) throw new Error(`${file}: expected frames × 18 × 3, got ${shape.join(' × ')}`);
  const out: PoseFrame[] = [];
  let width = 1;
  let height = 1;
  for (let f = 0; f < frames; f++) {
    const keypoints: PoseKeypoint[] = COCO.map((name, i) => {
      const base = (f * 18 + FROM_OPENPOSE[i]!) * 3;
      const x = data[base]!;
      const y = data[base + 1]!;
      width = Math.max(width, x + 1);
      height = Math.max(height, y + 1);
      // OpenPose writes 0,0,0 for a joint it did not find.
      return { name, x, y, score: data[base + 2]! };
    });
    out.push({ t: f / fps, width: 0, height: 0, keypoints });
  }
  return out.map((fr) => ({ ...fr, width: Math.ceil(width), height: Math.ceil(height) }));
}

/** The form sequences of one exercise folder, with their good/bad label. */
export function formSequences(folder: string): { file: string; good: boolean }[] {
  const dir = path.join(KEYPOINTS_DIR, 'form_sequences', folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.npy'))
    .sort()
    .map((f) => ({ file: path.join(dir, f), good: /good/.test(f) }));
}
