import { Worker } from 'node:worker_threads';
import { FrameSourceError } from './ffmpeg.ts';

export interface ChildStep {
  cmd: string;
  args: string[];
}

export interface ChildFramesOptions {
  /** Bytes of one frame on the last step's stdout. */
  frameBytes: number;
  /** Turns the camera's stderr into the right error when it fails (missing, busy, …). */
  classify: (stderr: string, code: number | null, framesSeen: number) => FrameSourceError;
  signal?: AbortSignal;
  /** A camera that sends nothing for this long is dead: stop it and say so. Default 5000 ms; 0 = never. */
  stallTimeoutMs?: number;
  /** What to call the source in errors. */
  label: string;
  /**
   * Frames kept for a consumer that falls behind; older ones are dropped. Default 2. The live
   * loop (live.ts) takes every frame at once and keeps only the newest itself.
   */
  maxQueued?: number;
}

export interface ChildFrame {
  data: Uint8Array;
  /** Arrival time, ms since the epoch (performance.timeOrigin + now). */
  at: number;
}

type PumpMessage =
  | { type: 'frame'; data: Uint8Array; at: number }
  | { type: 'exit'; code: number | null; signal: NodeJS.Signals | null; stderr: string; frames: number; spawnError?: string };

/**
 * Runs a capture pipeline (one or more processes, stdout to stdin) in a worker thread that keeps
 * draining the camera's pipe even while this thread is busy with inference, and yields its frames.
 * A failure at start (no camera, busy camera) or in the middle (unplugged, killed, stalled) ends
 * the generator with a FrameSourceError; a clean end of stream returns.
 */
export async function* childFrames(steps: ChildStep[], opts: ChildFramesOptions): AsyncGenerator<ChildFrame> {
  if (opts.signal?.aborted) return;
  const worker = new Worker(new URL('./pipe-pump.worker.js', import.meta.url), { workerData: { steps, frameBytes: opts.frameBytes } });
  const queue: ChildFrame[] = [];
  const maxQueued = opts.maxQueued ?? 2;
  let exit: Extract<PumpMessage, { type: 'exit' }> | undefined;
  let workerError: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on('message', (m: PumpMessage) => {
    if (m.type === 'frame') {
      queue.push({ data: m.data, at: m.at });
      if (queue.length > maxQueued) queue.shift();
      lastFrameAt = performance.now();
    } else exit = m;
    notify();
  });
  worker.on('error', (err) => {
    workerError = err;
    notify();
  });
  const stallMs = opts.stallTimeoutMs ?? 5000;
  let lastFrameAt = performance.now();
  let stalled = false;
  const watchdog = stallMs
    ? setInterval(() => {
        if (!exit && performance.now() - lastFrameAt > stallMs) {
          stalled = true;
          worker.postMessage('stop');
          notify();
        }
      }, Math.min(stallMs, 500))
    : undefined;
  const stop = () => {
    worker.postMessage('stop');
    notify();
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  let frames = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) return;
      const next = queue.shift();
      if (next) {
        frames++;
        yield next;
        continue;
      }
      if (workerError) throw new FrameSourceError(`${opts.label}: frame reader failed: ${workerError.message}`, 'STREAM_DIED', true);
      if (stalled) throw new FrameSourceError(`${opts.label}: no frame for ${stallMs} ms after ${frames} frames; the camera stopped sending`, 'STREAM_DIED', true);
      if (exit) {
        if (exit.spawnError) throw new FrameSourceError(`${opts.label}: cannot start ${steps[0]!.cmd}: ${exit.spawnError}`, 'TOOL_MISSING');
        if (exit.code === 0) return;
        if (exit.frames > 0 && exit.signal) throw new FrameSourceError(`${opts.label}: ${steps[0]!.cmd} was killed (${exit.signal}) after ${exit.frames} frames`, 'STREAM_DIED', true);
        throw opts.classify(exit.stderr, exit.code, exit.frames);
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    clearInterval(watchdog);
    opts.signal?.removeEventListener('abort', stop);
    worker.postMessage('stop');
    // Let the worker see its children exit before it goes; never keep the process alive for it.
    setTimeout(() => void worker.terminate(), 1500).unref();
    worker.unref();
  }
}

/** Common wording of camera failures from capture tools' stderr (libcamera, V4L2, ffmpeg). */
export function classifyCameraError(label: string, stderr: string, code: number | null, framesSeen: number): FrameSourceError {
  const detail = stderr.split('\n').filter(Boolean).slice(-3).join(' | ') || `exit code ${code}`;
  if (framesSeen > 0) return new FrameSourceError(`${label} died after ${framesSeen} frames: ${detail}`, 'STREAM_DIED', true);
  if (/busy|in use|already acquired|failed to acquire/i.test(stderr)) {
    return new FrameSourceError(`${label} is busy (another program holds it): ${detail}`, 'BUSY', true);
  }
  if (/no cameras available|no such file|no such device|not found|cannot open|could not open/i.test(stderr)) {
    return new FrameSourceError(`${label} is not connected: ${detail}`, 'NOT_FOUND', true);
  }
  return new FrameSourceError(`${label} failed: ${detail}`, 'STREAM_DIED', true);
}
