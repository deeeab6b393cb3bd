/**
 * Keypoint frames of a clip: from the mirror's inference (what `pose-coach analyze` runs), kept
 * in a cache so that tuning the coach replays keypoints in seconds instead of redoing inference.
 *
 * A cache entry is keyed by the clip's content hash, the model and the keypoint pipeline's
 * version (a hash of the source files that turn a video into keypoints: decoding, crop
 * tracking, the model runner, smoothing). Changing any of them, or the clip, is a miss. The
 * cache lives in the worktree's `var/` (gitignored) unless told otherwise.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PoseFrame } from '../../device/src/coach/index.ts';
import { keypointsFromVideo } from '../../device/src/frames/index.ts';
import { keypointsLine, parseKeypointsLine } from '../../device/src/cli/keypoints-jsonl.ts';

export type EvalModel = 'movenet-lightning' | 'movenet-thunder';

export interface SourceOptions {
  /** Folder of cached keypoint files; undefined = no cache (always run inference). */
  cacheDir?: string;
  model?: EvalModel;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_CACHE_DIR = path.join(repoRoot, 'var', 'eval-keypoints');

/** Source trees whose code decides the keypoints of a video frame. */
const PIPELINE_SOURCES = ['device/inference/src', 'device/src/frames'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => /\.(ts|js)$/.test(f))
    .sort();
}

let pipelineVersionMemo: string | undefined;

/** A short hash of the keypoint pipeline's source: a change there invalidates every cached clip. */
export function pipelineVersion(): string {
  if (pipelineVersionMemo) return pipelineVersionMemo;
  const h = createHash('sha256');
  for (const f of PIPELINE_SOURCES.flatMap((d) => filesUnder(path.join(repoRoot, d)))) {
    h.update(path.relative(repoRoot, f));
    h.update(readFileSync(f));
  }
  pipelineVersionMemo = h.digest('hex').slice(0, 12);
  return pipelineVersionMemo;
}

const hashMemo = new Map<string, { size: number; mtime: number; hash: string }>();

export function clipHash(file: string): string {
  const st = statSync(file);
  const m = hashMemo.get(file);
  if (m && m.size === st.size && m.mtime === st.mtimeMs) return m.hash;
  const hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
  hashMemo.set(file, { size: st.size, mtime: st.mtimeMs, hash });
  return hash;
}

export function cacheFileFor(video: string, opts: SourceOptions): string | undefined {
  if (!opts.cacheDir) return undefined;
  const name = path.basename(video, path.extname(video));
  return path.join(opts.cacheDir, `${name}.${clipHash(video)}.${opts.model ?? 'movenet-lightning'}.${pipelineVersion()}.jsonl`);
}

async function* readJsonl(file: string): AsyncGenerator<PoseFrame> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const l = parseKeypointsLine(line);
    yield { t: l.t, width: l.w, height: l.h, keypoints: l.keypoints };
  }
}

/** The frames of `video`, whether they came from the cache, and the seconds it took. */
export async function clipFrames(video: string, opts: SourceOptions): Promise<{ frames: PoseFrame[]; cached: boolean; seconds: number }> {
  const start = performance.now();
  const cacheFile = cacheFileFor(video, opts);
  const frames: PoseFrame[] = [];
  if (cacheFile && existsSync(cacheFile)) {
    for await (const f of readJsonl(cacheFile)) frames.push(f);
    return { frames, cached: true, seconds: (performance.now() - start) / 1000 };
  }
  const lines: string[] = [];
  for await (const f of keypointsFromVideo(video, { model: opts.model })) {
    // Through the same rounding as the cache, so a cached replay gives exactly the same counts.
    const line = keypointsLine(f);
    const l = parseKeypointsLine(line);
    frames.push({ t: l.t, width: l.w, height: l.h, keypoints: l.keypoints });
    if (cacheFile) lines.push(line);
  }
  if (cacheFile) {
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    writeFileSync(`${cacheFile}.tmp`, lines.join('\n') + '\n');
    renameSync(`${cacheFile}.tmp`, cacheFile);
  }
  return { frames, cached: false, seconds: (performance.now() - start) / 1000 };
}
