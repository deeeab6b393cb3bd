/**
 * The agent as a process with a real video as its camera: latency from a frame's arrival to its
 * events on the WebSocket, and the process's CPU and memory over the run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { LiveEvent } from '@pose-coach/protocol';
import { percentile, sample, slope, type Sample } from './procStats.ts';

export interface LatencyResult {
  video: string;
  durationS: number;
  frames: number;
  fps: number;
  poseMs: { p50: number; p95: number; max: number };
  /** Latency minus the estimator's own time: the agent's share (frame wait, coach, WebSocket). */
  overheadMs: { p50: number; p95: number };
  inferenceMs: { p50: number; p95: number };
  loadAvg: number;
  repCueMs: { n: number; p50: number; p95: number; max: number };
  reps: number;
  cpu: { agentPct: number; ffmpegPct: number };
  rss: { startMb: number; endMb: number; maxMb: number; slopeMbPerMin: number; ffmpegMb: number };
}

export async function measureLatency(repo: string, video: string, durationS: number): Promise<LatencyResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pose-bench-agent-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'device/src/agent/main.ts'), '--video', video, '--loop', '--port', '0'], {
    cwd: repo,
    env: { ...process.env, POSE_AGENT_DATA_DIR: dataDir, POSE_AGENT_MQTT_URL: '', POSE_AGENT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Mirror UI: (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`agent exited (${code}) before serving`)));
    });
    const ws = new WebSocket(`${url.replace('http', 'ws')}live`);
    const pose: number[] = [];
    const overhead: number[] = [];
    const inference: number[] = [];
    const repCue: number[] = [];
    let reps = 0;
    let firstFrameAt = 0;
    ws.on('message', (d) => {
      const now = Date.now();
      const e = JSON.parse(d.toString()) as LiveEvent;
      if (e.type === 'pose') {
        firstFrameAt ||= now;
        pose.push(now - e.frameAt);
        overhead.push(now - e.frameAt - e.inferenceMs);
        inference.push(e.inferenceMs);
      } else if (e.type === 'rep' || e.type === 'cue') {
        repCue.push(now - e.frameAt);
        if (e.type === 'rep') reps++;
      }
    });
    await new Promise((r) => ws.once('open', r));
    // Warm-up (model load, first frames) is left out of the figures.
    while (!firstFrameAt) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 5000));
    pose.length = 0;
    overhead.length = 0;
    inference.length = 0;
    repCue.length = 0;
    reps = 0;
    const samples: Sample[] = [sample(child.pid!)];
    const start = Date.now();
    while (Date.now() - start < durationS * 1000) {
      await new Promise((r) => setTimeout(r, 5000));
      samples.push(sample(child.pid!));
      process.stdout.write(`\r  latency run: ${Math.round((Date.now() - start) / 1000)}/${durationS} s, ${pose.length} frames, ${reps} reps, rss ${samples.at(-1)!.rssMb.toFixed(0)} MB   `);
    }
    process.stdout.write('\n');
    ws.close();
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const wallS = (last.at - first.at) / 1000;
    const rss = samples.map((s) => s.rssMb);
    return {
      video,
      durationS: wallS,
      frames: pose.length,
      fps: pose.length / wallS,
      poseMs: { p50: percentile(pose, 50), p95: percentile(pose, 95), max: Math.max(...pose) },
      overheadMs: { p50: percentile(overhead, 50), p95: percentile(overhead, 95) },
      inferenceMs: { p50: percentile(inference, 50), p95: percentile(inference, 95) },
      loadAvg: loadavg()[0]!,
      repCueMs: { n: repCue.length, p50: percentile(repCue, 50), p95: percentile(repCue, 95), max: Math.max(...repCue) },
      reps,
      cpu: { agentPct: ((last.cpuS - first.cpuS) / wallS) * 100, ffmpegPct: ((last.childCpuS - first.childCpuS) / wallS) * 100 },
      rss: {
        startMb: first.rssMb,
        endMb: last.rssMb,
        maxMb: Math.max(...rss),
        slopeMbPerMin: slope(samples.map((s) => (s.at - first.at) / 60_000), rss),
        ffmpegMb: last.childRssMb,
      },
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
