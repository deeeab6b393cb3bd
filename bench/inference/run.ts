/**
 * Inference figures, run on demand: `npm run bench:inference [-- --quick]`.
 *
 * Every comparison is measured side by side in this one run (the machine is shared, so only
 * ratios within a run mean much):
 * 1. Model alone, per model and backend (ONNX Runtime with 1 and 2 threads, tfjs-wasm), on the
 *    ../shared/data photos decoded beforehand: the backends take turns round by round, so a
 *    change in the machine's load hits them alike. CPU ms per frame is the load-independent figure.
 * 2. `pose-coach analyze --backend onnx` against `--backend tfjs-wasm` on pushup_side.mp4 (the
 *    whole path: ffmpeg decode → crop → MoveNet → keypoints → coach), alternating, as child
 *    processes: wall time, CPU (node + ffmpeg), reps counted, and how far the keypoints differ.
 * 3. Live: a 30 fps video played as the camera (frames paced in real time, newest frame wins),
 *    Lightning and Thunder on each backend: the frame rate inference keeps up with.
 * CPU: 100% = one core busy; 1000 / (CPU ms per frame) is the frame rate with one core of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendStatus, createEstimator, type BackendName, type EstimatorOptions, type ModelName, type PoseEstimator } from '@pose-coach/inference';
import { installModels } from '@pose-coach/models';
import { parseKeypointsLine } from '../../device/src/cli/keypoints-jsonl.ts';
import { liveKeypoints, readImage, videoAsCamera, type SourceFrame } from '../../device/src/frames/index.ts';

const quick = process.argv.includes('--quick');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = path.resolve(ROOT, '../shared/data');
const PHOTOS = ['person_standing.jpg', 'three_people.jpg', 'yoga_tree_pose.jpeg', 'truth_image1.png', 'truth_image2.jpg'];
const MODELS: ModelName[] = ['movenet-lightning', 'movenet-thunder'];
const ANALYZE_VIDEO = 'pushup_side.mp4';
const LIVE_VIDEO = 'pushup_front_dim.mp4'; // 30 fps, 720p

const TICK = 100; // USER_HZ on Linux
/** CPU seconds of finished children (and their children: ffmpeg under analyze), from /proc/self/stat. */
function childrenCpu(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / TICK; // cutime, cstime
}
/** CPU ms of this process, all its threads (ONNX Runtime's pool included). */
const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const pct = (s: number[], p: number) => {
  const sorted = [...s].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const f1 = (v: number) => v.toFixed(1);
const load = () => os.loadavg().map(f1).join(' ');

interface Contender {
  label: string;
  backend: BackendName;
  onnx?: EstimatorOptions['onnx'];
}

async function contenders(): Promise<Contender[]> {
  const out: Contender[] = [{ label: 'tfjs-wasm', backend: 'tfjs-wasm' }];
  for (const b of ['tfjs-node', 'onnx'] as const) {
    const s = await backendStatus(b, [...MODELS, 'movenet-multipose']);
    if (!s.available) console.log(`backend ${b} absent: ${s.reason}`);
    else if (b === 'onnx') {
      out.push(
        { label: 'onnx, 1 thread', backend: 'onnx', onnx: { threads: 1 } },
        { label: 'onnx, 2 threads', backend: 'onnx', onnx: { threads: 2 } },
        // arm64 has no NCHWc kernels: this row hints at the share of the gain that is x64-specific
        { label: 'onnx, 1 thread, no NCHWc', backend: 'onnx', onnx: { threads: 1, layoutOptimizations: false } },
      );
    }
    else out.push({ label: b, backend: b });
  }
  return out;
}

/** Section 1: each contender runs every photo once per round, in turn. */
async function modelAlone(model: ModelName, list: Contender[]): Promise<string[]> {
  const frames: SourceFrame[] = PHOTOS.map((p) => readImage(path.join(DATA, 'images', p), { maxSide: 384 }));
  const runs: { c: Contender; e: PoseEstimator; ms: number[]; cpu: number; wall: number }[] = [];
  for (const c of list) runs.push({ c, e: await createEstimator({ model, backend: c.backend, onnx: c.onnx, tracking: false, smoothing: false }), ms: [], cpu: 0, wall: 0 });
  for (const r of runs) for (const f of frames) await r.e.estimatePoses(f); // warm-up: kernels, memory arenas
  const rounds = quick ? 5 : 20;
  for (let round = 0; round < rounds; round++) {
    for (const r of runs) {
      const c0 = selfCpuMs();
      const t0 = performance.now();
      for (const f of frames) r.ms.push((await r.e.estimatePoses(f))[0]?.ms ?? NaN);
      r.wall += performance.now() - t0;
      r.cpu += selfCpuMs() - c0;
    }
  }
  const base = runs[0]!.cpu / runs[0]!.ms.length;
  return runs.map((r) => {
    r.e.dispose();
    const cpuPerFrame = r.cpu / r.ms.length;
    return `| ${model} | ${r.c.label} | ${f1(pct(r.ms, 50))} | ${f1(pct(r.ms, 95))} | ${f1((1000 * r.ms.length) / r.wall)} | ${((100 * r.cpu) / r.wall).toFixed(0)}% | ${f1(cpuPerFrame)} | ${(base / cpuPerFrame).toFixed(2)}× |`;
  });
}

interface AnalyzeRun {
  wall: number;
  cpu: number;
  reps: number;
  exercise: string;
  frames: { h: number; keypoints: { x: number; y: number; score: number }[] }[];
}

/** Section 2: the CLI as a user runs it, in a child process. */
function analyze(backend: BackendName, keypointsFile: string): AnalyzeRun {
  const c0 = childrenCpu();
  const t0 = performance.now();
  const res = spawnSync(process.execPath, [path.join(ROOT, 'bin/pose-coach.js'), 'analyze', path.join(DATA, 'videos', ANALYZE_VIDEO), '--backend', backend, '--json', '--quiet', '--keypoints', keypointsFile], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  const wall = (performance.now() - t0) / 1000;
  if (res.status !== 0) throw new Error(`analyze --backend ${backend} failed: ${res.stderr}`);
  const result = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { reps: number; exercise: string };
  const frames = readFileSync(keypointsFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => parseKeypointsLine(l))
    .map((l) => ({ h: l.h, keypoints: l.keypoints }));
  return { wall, cpu: childrenCpu() - c0, reps: result.reps, exercise: result.exercise, frames };
}

/** How far two runs' keypoints are apart, as shares of the frame height. */
function keypointAgreement(a: AnalyzeRun, b: AnalyzeRun): string {
  let frames = 0;
  let within = 0;
  let confidentWithin = 0;
  let confident = 0;
  let sameDetection = 0;
  const diffs: number[] = [];
  for (const [i, fa] of a.frames.entries()) {
    const fb = b.frames[i];
    if (!fb) continue;
    frames++;
    if (Boolean(fa.keypoints.length) === Boolean(fb.keypoints.length)) sameDetection++;
    if (!fa.keypoints.length || !fb.keypoints.length) continue;
    let worst = 0;
    for (const [j, k] of fa.keypoints.entries()) {
      const r = fb.keypoints[j]!;
      const d = Math.hypot(k.x - r.x, k.y - r.y) / fa.h;
      worst = Math.max(worst, d);
      if (k.score >= 0.3 && r.score >= 0.3) {
        confident++;
        if (d < 0.01) confidentWithin++;
      }
    }
    diffs.push(worst);
    if (worst < 0.01) within++;
  }
  return (
    `${sameDetection}/${frames} frames agree on whether someone is there; all 17 joints within 1 % of the height on ${within}/${diffs.length} frames ` +
    `(median worst joint ${(100 * pct(diffs, 50)).toFixed(2)} %); joints both call sure (score ≥ 0.3) within 1 %: ${((100 * confidentWithin) / Math.max(1, confident)).toFixed(1)} %`
  );
}

/** Section 3: a video played as a 30 fps camera for `seconds`; the rate inference keeps up with. */
async function live(model: ModelName, c: Contender, seconds: number): Promise<string> {
  const estimator = await createEstimator({ model, backend: c.backend, onnx: c.onnx });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  let last: { fps: number; sourceFps: number; dropped: number; captured: number } | undefined;
  const ms: number[] = [];
  const c0 = selfCpuMs();
  const t0 = performance.now();
  let inferred = 0;
  try {
    for await (const e of liveKeypoints(videoAsCamera(path.join(DATA, 'videos', LIVE_VIDEO), { loop: true }), estimator, { signal: controller.signal })) {
      if (e.type !== 'pose') continue;
      last = e.stats;
      inferred++;
      if (e.pose) ms.push(e.pose.ms);
    }
  } finally {
    clearTimeout(timer);
    estimator.dispose();
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = selfCpuMs() - c0;
  if (!last) return `| ${model} | ${c.label} | no frames |`;
  return `| ${model} | ${c.label} | ${f1(last.sourceFps)} | ${f1(last.fps)} | ${last.dropped}/${last.captured} | ${ms.length ? f1(pct(ms, 50)) : '-'} | ${((100 * cpu) / 1000 / wall).toFixed(0)}% | ${f1(cpu / Math.max(1, inferred))} |`;
}

installModels();
console.log(`# Inference bench — ${os.cpus().length} × ${os.cpus()[0]?.model}, ${process.arch}, node ${process.version}, load average ${load()}${quick ? ' (quick)' : ''}\n`);
const list = await contenders();

console.log('\n## 1. Model alone on the photos (decoded beforehand, long side 384; tracking and smoothing off; backends take turns)\n');
console.log('| model | backend | ms/frame p50 | ms/frame p95 | frames/s | CPU (100% = 1 core) | CPU ms/frame | CPU vs tfjs-wasm |');
console.log('|---|---|---|---|---|---|---|---|');
for (const m of MODELS) for (const row of await modelAlone(m, list)) console.log(row);
console.log(`\nload average: ${load()}`);

const onnxPresent = list.some((c) => c.backend === 'onnx');
if (onnxPresent) {
  console.log(`\n## 2. \`pose-coach analyze ${ANALYZE_VIDEO}\`, whole path (decode → keypoints → coach), alternating\n`);
  console.log('| run | backend | wall s | CPU s (node + ffmpeg) | reps | exercise |');
  console.log('|---|---|---|---|---|---|');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-analyze-'));
  const runs: Record<'tfjs-wasm' | 'onnx', AnalyzeRun[]> = { 'tfjs-wasm': [], onnx: [] };
  try {
    for (let i = 1; i <= (quick ? 1 : 2); i++) {
      for (const backend of ['tfjs-wasm', 'onnx'] as const) {
        const r = analyze(backend, path.join(dir, `${backend}-${i}.jsonl`));
        runs[backend].push(r);
        console.log(`| ${i} | ${backend} | ${f1(r.wall)} | ${f1(r.cpu)} | ${r.reps} | ${r.exercise} |`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sum = (rs: AnalyzeRun[], k: 'wall' | 'cpu') => rs.reduce((s, r) => s + r[k], 0);
  console.log(
    `\nonnx against tfjs-wasm: ${(sum(runs['tfjs-wasm'], 'wall') / sum(runs.onnx, 'wall')).toFixed(2)}× faster (wall), ` +
      `${(sum(runs['tfjs-wasm'], 'cpu') / sum(runs.onnx, 'cpu')).toFixed(2)}× less CPU; reps ${runs['tfjs-wasm'].map((r) => r.reps).join('/')} vs ${runs.onnx.map((r) => r.reps).join('/')}`,
  );
  console.log(`keypoints, onnx vs tfjs-wasm (tracking on: each crop follows the last keypoints): ${keypointAgreement(runs.onnx[0]!, runs['tfjs-wasm'][0]!)}`);
  console.log(`keypoints, tfjs-wasm run 1 vs run 2 (the same backend twice): ${runs['tfjs-wasm'][1] ? keypointAgreement(runs['tfjs-wasm'][0]!, runs['tfjs-wasm'][1]) : '-'}`);
  console.log(`\nload average: ${load()}`);
}

console.log(`\n## 3. Live: ${LIVE_VIDEO} played as a 30 fps camera (long side 384, tracking and smoothing on)\n`);
console.log('| model | backend | camera fps | inference fps | dropped/captured | inference ms p50 | CPU (100% = 1 core) | CPU ms/frame |');
console.log('|---|---|---|---|---|---|---|---|');
for (const m of MODELS) for (const c of list.filter((x) => x.backend !== 'onnx' || x.label === 'onnx, 1 thread')) console.log(await live(m, c, quick ? 5 : 12));
console.log(`\nload average after: ${load()}`);
