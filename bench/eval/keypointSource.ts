/**
 * Keypoint frames of a clip: from the mirror's inference (the default: what `analyze` runs), or
 * from a cache of JSONL files (`analyze --keypoints` lines) when one is given, written on a miss,
 * so tuning runs do not redo inference. The cache lives outside the repository.
 */
import { createReadStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { PoseFrame } from '../../device/src/coach/index.ts';
import { keypointsFromVideo } from '../../device/src/frames/index.ts';
import { keypointsLine, parseKeypointsLine } from '../../device/src/cli/keypoints-jsonl.ts';

export interface SourceOptions {
  /** Folder of `<clip>.jsonl` keypoint files to read, and to fill on a miss. */
  cacheDir?: string;
  model?: 'movenet-lightning' | 'movenet-thunder';
}

async function* readJsonl(file: string): AsyncGenerator<PoseFrame> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const l = parseKeypointsLine(line);
    yield { t: l.t, width: l.w, height: l.h, keypoints: l.keypoints };
  }
}

/** The frames of `video`, and whether they came from the cache. */
export async function clipFrames(video: string, opts: SourceOptions): Promise<{ frames: PoseFrame[]; cached: boolean; seconds: number }> {
  const start = performance.now();
  const cacheFile = opts.cacheDir ? path.join(opts.cacheDir, `${path.basename(video, path.extname(video))}.${opts.model ?? 'movenet-lightning'}.jsonl`) : undefined;
  const frames: PoseFrame[] = [];
  if (cacheFile && existsSync(cacheFile)) {
    for await (const f of readJsonl(cacheFile)) frames.push(f);
    return { frames, cached: true, seconds: (performance.now() - start) / 1000 };
  }
  const lines: string[] = [];
  for await (const f of keypointsFromVideo(video, { model: opts.model })) {
    frames.push({ t: f.t, width: f.width, height: f.height, keypoints: f.keypoints });
    if (cacheFile) lines.push(keypointsLine(f));
  }
  if (cacheFile) {
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    writeFileSync(`${cacheFile}.tmp`, lines.join('\n') + '\n');
    renameSync(`${cacheFile}.tmp`, cacheFile);
  }
  return { frames, cached: false, seconds: (performance.now() - start) / 1000 };
}
