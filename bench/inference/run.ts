/**
 * Inference figures, run on demand: `npm run bench:inference [-- --quick]`.
 *
 * 1. Model alone, per backend and model: ms per frame (p50, p95), frames/s and CPU use on the
 *    ../shared/data photos (decoded once beforehand at the size the mirror decodes, long side 384).
 * 2. Whole path on real videos: ffmpeg decode (scaled in ffmpeg) → crop → model → keypoints,
 *    frames/s and CPU of node and of ffmpeg, with decode alone as the baseline of the same run.
 * CPU: 100% = one core busy. The machine is shared, so the load average is printed with the figures,
 * and CPU milliseconds per frame are given too: they hardly change with other load, and
 * 1000 / (node CPU ms per frame) is the frame rate the path reaches with one core of its own.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableBackends, createEstimator, type BackendName, type ModelName } from '@pose-coach/inference';
import { installModels } from '@pose-coach/models';
import { keypointsFromVideo, readImage, videoFileFrames, type SourceFrame } from '../../device/src/frames/index.ts';

const quick = process.argv.includes('--quick');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = path.resolve(ROOT, '../shared/data');
const PHOTOS = ['person_standing.jpg', 'three_people.jpg', 'yoga_tree_pose.jpeg', 'truth_image1.png', 'truth_image2.jpg'];
const VIDEOS = ['jumping_jack_studio.mp4', 'plank_side.mp4'];
const MODELS: ModelName[] = ['movenet-lightning', 'movenet-thunder'];

const TICK = 100; // USER_HZ on Linux
/** CPU seconds of this process, and of its finished children (ffmpeg), from /proc/self/stat. */
function cpu(): { self: number; children: number } {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // fields after "(comm) ": index 11 utime, 12 stime, 13 cutime, 14 cstime
  return { self: (Number(f[11]) + Number(f[12])) / TICK, children: (Number(f[13]) + Number(f[14])) / TICK };
}

const pct = (s: number[], p: number) => {
  const sorted = [...s].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const f1 = (v: number) => v.toFixed(1);

async function modelAlone(backend: BackendName, model: ModelName): Promise<string> {
  const frames: SourceFrame[] = PHOTOS.map((p) => readImage(path.join(DATA, 'images', p), { maxSide: 384 }));
  const estimator = await createEstimator({ model, backend, tracking: false, smoothing: false });
  for (const f of frames) await estimator.estimatePoses(f); // warm-up: kernels, wasm pages
  const rounds = quick ? 10 : 40;
  const ms: number[] = [];
  const c0 = cpu();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const f of frames) ms.push((await estimator.estimatePoses(f))[0]?.ms ?? NaN);
  const wall = (performance.now() - t0) / 1000;
  const c1 = cpu();
  estimator.dispose();
  return `| ${backend} | ${model} | ${f1(pct(ms, 50))} | ${f1(pct(ms, 95))} | ${f1(ms.length / wall)} | ${((100 * (c1.self - c0.self)) / wall).toFixed(0)}% | ${f1((1000 * (c1.self - c0.self)) / ms.length)} |`;
}

async function wholePath(file: string, model: ModelName, maxSide: number, label: string): Promise<string> {
  const c0 = cpu();
  const t0 = performance.now();
  let n = 0;
  const ms: number[] = [];
  const maxFrames = quick ? 150 : undefined;
  for await (const f of keypointsFromVideo(path.join(DATA, 'videos', file), { model, maxSide, maxFrames })) {
    n++;
    if (f.keypoints.length) ms.push(f.ms); // frames with nobody skip the model part of the time
  }
  const wall = (performance.now() - t0) / 1000;
  const c1 = cpu();
  return `| ${file} | ${label} | ${model} | ${n} | ${f1(n / wall)} | ${f1(pct(ms, 50))} | ${((100 * (c1.self - c0.self)) / wall).toFixed(0)}% | ${((100 * (c1.children - c0.children)) / wall).toFixed(0)}% | ${f1((1000 * (c1.self - c0.self)) / n)} | ${f1((1000 * (c1.children - c0.children)) / n)} |`;
}

async function decodeOnly(file: string, maxSide: number, label: string): Promise<string> {
  const c0 = cpu();
  const t0 = performance.now();
  let n = 0;
  for await (const _ of videoFileFrames(path.join(DATA, 'videos', file), { maxSide, maxFrames: quick ? 150 : undefined })) n++;
  const wall = (performance.now() - t0) / 1000;
  const c1 = cpu();
  return `| ${file} | ${label} | decode only | ${n} | ${f1(n / wall)} | – | ${((100 * (c1.self - c0.self)) / wall).toFixed(0)}% | ${((100 * (c1.children - c0.children)) / wall).toFixed(0)}% | ${f1((1000 * (c1.self - c0.self)) / n)} | ${f1((1000 * (c1.children - c0.children)) / n)} |`;
}

installModels();
console.log(`# Inference bench — ${os.cpus().length} × ${os.cpus()[0]?.model}, node ${process.version}, load average ${os.loadavg().map(f1).join(' ')}${quick ? ' (quick)' : ''}\n`);
const backends = await availableBackends();
for (const b of backends.filter((x) => !x.available)) console.log(`backend ${b.backend} absent: ${b.reason}`);

console.log('\n## Model alone on the photos (frames decoded beforehand, long side 384; tracking and smoothing off)\n');
console.log('| backend | model | ms/frame p50 | ms/frame p95 | frames/s | CPU (100% = 1 core) | CPU ms/frame |');
console.log('|---|---|---|---|---|---|---|');
for (const b of backends.filter((x) => x.available)) for (const m of MODELS) console.log(await modelAlone(b.backend, m));

console.log('\n## Whole path: ffmpeg decode → crop → MoveNet → keypoints (tfjs-wasm; tracking and smoothing on)\n');
console.log('| video | decoded at | model | frames | frames/s | inference ms p50 (frames with a person) | node CPU | ffmpeg CPU | node CPU ms/frame | ffmpeg CPU ms/frame |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const v of VIDEOS) {
  console.log(await decodeOnly(v, 384, 'long side 384'));
  console.log(await wholePath(v, 'movenet-lightning', 384, 'long side 384'));
  if (!quick) {
    console.log(await wholePath(v, 'movenet-lightning', 256, 'long side 256'));
    console.log(await wholePath(v, 'movenet-lightning', 0, 'full size'));
    console.log(await wholePath(v, 'movenet-thunder', 384, 'long side 384'));
  }
}
console.log(`\nload average after: ${os.loadavg().map(f1).join(' ')}`);
