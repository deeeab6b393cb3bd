import { fixedSizeFrames } from './raw-frames.ts';
import { exited, FrameSourceError, spawnRaw, stderrTail } from './ffmpeg.ts';

export interface ChildFramesOptions {
  /** Bytes of one frame on the child's stdout. */
  frameBytes: number;
  /** Turns the child's stderr into the right error when it fails (missing, busy, …). */
  classify: (stderr: string, code: number | null, framesSeen: number) => FrameSourceError;
  signal?: AbortSignal;
  /** A live camera that sends nothing for this long is dead: kill it and say so. Default 5000 ms; 0 = never. */
  stallTimeoutMs?: number;
  /** What to call the source in errors. */
  label: string;
}

/**
 * Runs a capture or decode process and yields its stdout cut into frames. A failure at start
 * (no camera, busy camera) or in the middle (camera unplugged, process killed, stream stalled)
 * ends the generator with a FrameSourceError; a clean end of stream (a file decoded to its end)
 * simply returns.
 */
export async function* childFrames(cmd: string, args: string[], opts: ChildFramesOptions): AsyncGenerator<Buffer> {
  if (opts.signal?.aborted) return;
  const child = spawnRaw(cmd, args);
  const tail = stderrTail(child, 12);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const stallMs = opts.stallTimeoutMs ?? 5000;
  const arm = () => {
    if (!stallMs) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      child.kill('SIGKILL');
    }, stallMs);
  };
  const stop = () => child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', stop, { once: true });
  let frames = 0;
  try {
    arm();
    for await (const frame of fixedSizeFrames(child.stdout, opts.frameBytes)) {
      frames++;
      arm();
      yield frame;
    }
    clearTimeout(timer);
    const { code, signal } = await exited(child);
    if (opts.signal?.aborted) return;
    if (spawnError) throw new FrameSourceError(`${opts.label}: cannot start ${cmd}: ${spawnError.message}`, 'TOOL_MISSING');
    if (stalled) throw new FrameSourceError(`${opts.label}: no frame for ${stallMs} ms after ${frames} frames; the camera stopped sending`, 'STREAM_DIED', true);
    if (code !== 0) {
      if (frames > 0 && signal) throw new FrameSourceError(`${opts.label}: ${cmd} was killed (${signal}) after ${frames} frames`, 'STREAM_DIED', true);
      throw opts.classify(tail(), code, frames);
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', stop);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
