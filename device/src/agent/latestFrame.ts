/**
 * Camera semantics for any frame stream: a reader keeps only the newest frame, stamped when it
 * arrived; the pipeline takes the newest when it is ready, and frames it was too slow for are
 * dropped (counted), so latency never builds up behind a slow inference. A video file is paced to
 * its frame rate so it plays like a camera.
 */
import type { SourceFrame } from '../frames/index.ts';

export interface ArrivedFrame {
  frame: SourceFrame;
  arrivedAt: number;
}

export interface LatestFrameOptions {
  /** Release frames at their own timestamps (a file); omit for a live camera. */
  paced?: boolean;
  signal: AbortSignal;
  onDrop?(): void;
}

export async function* latestFrames(source: AsyncIterable<SourceFrame>, opts: LatestFrameOptions): AsyncGenerator<ArrivedFrame> {
  let slot: ArrivedFrame | undefined;
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const signalWake = () => {
    wake?.();
    wake = undefined;
  };
  const reader = (async () => {
    const start = performance.now();
    try {
      for await (const frame of source) {
        if (opts.signal.aborted) break;
        if (opts.paced) {
          const wait = start + frame.t * 1000 - performance.now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        }
        if (slot) opts.onDrop?.();
        slot = { frame, arrivedAt: Date.now() };
        signalWake();
      }
    } catch (err) {
      failure = err;
    } finally {
      done = true;
      signalWake();
    }
  })();
  opts.signal.addEventListener('abort', signalWake, { once: true });
  try {
    while (!opts.signal.aborted) {
      if (!slot) {
        if (done) break;
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      const next = slot;
      slot = undefined;
      yield next;
    }
    if (failure) throw failure;
  } finally {
    opts.signal.removeEventListener('abort', signalWake);
    void reader;
  }
}
