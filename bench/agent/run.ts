/**
 * Figures of the device agent (issue 5), printed as tables:
 *   npx tsx bench/agent/run.ts [--duration-s 300] [--video FILE] [--sessions 1000] [--skip-latency] [--skip-drain]
 * - end-to-end latency from a frame's arrival to its pose / rep / cue event on the WebSocket,
 *   with a real video played as a 30 fps camera; CPU and memory of the agent over the run;
 * - outbox drain: N sessions queued during a gateway outage, then the gateway comes back.
 * Needs ffmpeg, the installed models, MariaDB and Redis (the drain uses the real gateway).
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureDrain } from './drain.ts';
import { measureLatency } from './latency.ts';

const repo = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '300' },
    video: { type: 'string', default: resolve(repo, '../shared/data/videos/jumping_jack_overlay.mp4') },
    sessions: { type: 'string', default: '1000' },
    'skip-latency': { type: 'boolean' },
    'skip-drain': { type: 'boolean' },
  },
});

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);

if (!values['skip-latency']) {
  if (!existsSync(values.video)) console.log(`latency: skipped, video ${values.video} not found (../shared/data absent?)`);
  else {
    const r = await measureLatency(repo, values.video, Number(values['duration-s']));
    console.log(`\nAgent with ${r.video} as a camera, ${f(r.durationS, 0)} s measured after a 5 s warm-up`);
    console.log('| figure | value |\n|---|---|');
    console.log(`| frames analysed | ${r.frames} (${f(r.fps)} fps) |`);
    console.log(`| frame → pose event p50 / p95 / max | ${f(r.poseMs.p50, 0)} / ${f(r.poseMs.p95, 0)} / ${f(r.poseMs.max, 0)} ms |`);
    console.log(`| of which inference p50 / p95 | ${f(r.inferenceMs.p50, 0)} / ${f(r.inferenceMs.p95, 0)} ms |`);
    console.log(`| of which the rest (frame waiting for the pipeline, coach, WebSocket) p50 / p95 | ${f(r.overheadMs.p50, 0)} / ${f(r.overheadMs.p95, 0)} ms |`);
    console.log(`| frame → rep/cue event p50 / p95 / max (n=${r.repCueMs.n}) | ${f(r.repCueMs.p50, 0)} / ${f(r.repCueMs.p95, 0)} / ${f(r.repCueMs.max, 0)} ms |`);
    console.log(`| reps counted | ${r.reps} |`);
    console.log(`| CPU: agent / ffmpeg decoder (% of one core) | ${f(r.cpu.agentPct)} / ${f(r.cpu.ffmpegPct)} |`);
    console.log(`| agent RSS start / end / max | ${f(r.rss.startMb)} / ${f(r.rss.endMb)} / ${f(r.rss.maxMb)} MB |`);
    console.log(`| agent RSS trend | ${f(r.rss.slopeMbPerMin, 2)} MB/min |`);
    console.log(`| ffmpeg RSS | ${f(r.rss.ffmpegMb)} MB |`);
    console.log(`| machine load average (1 min) at the end | ${f(r.loadAvg)} |`);
  }
}

if (!values['skip-drain']) {
  const d = await measureDrain(Number(values.sessions));
  console.log(`\nOutbox drain after a gateway outage (real gateway over TLS, both stores)`);
  console.log('| figure | value |\n|---|---|');
  console.log(`| sessions queued | ${d.sessions} |`);
  console.log(`| all acked queued, outbox empty | ${f(d.drainS, 2)} s (${f(d.perSecond, 0)} sessions/s) |`);
  console.log(`| all acked stored (Firestore + MySQL) | ${f(d.storedS, 2)} s |`);
  console.log(`| MySQL rows / duplicates | ${d.mysqlRows} / ${d.duplicates} |`);
}
process.exit(0);
