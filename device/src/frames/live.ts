import type { Pose, PoseEstimator } from '@pose-coach/inference';
import { cappedBackoff } from '@pose-coach/protocol';
import { FrameSourceError } from './ffmpeg.ts';
import type { LiveSource } from './live-source.ts';
import { NewestFrameMailbox, type FrameRateStats } from './newest-frame.ts';
import type { SourceFrame } from './types.ts';

export type LiveEvent =
  | { type: 'pose'; frame: Omit<SourceFrame, 'data'>; pose: Pose | undefined; stats: FrameRateStats }
  /** The camera failed; the loop waits `retryInMs` and starts it again. */
  | { type: 'camera-error'; error: FrameSourceError; attempt: number; retryInMs: number }
  /** The camera (re)started and its first frame arrived. */
  | { type: 'camera-ready'; description: string };

export interface LiveOptions {
  signal?: AbortSignal;
  /** First wait before restarting a failed camera; doubles up to `maxRetryMs`. Default 1000. */
  retryMs?: number;
  /** Default 30000. */
  maxRetryMs?: number;
  /** Give up (throw) after this many failures in a row. Default: never, a mirror keeps trying. */
  maxAttempts?: number;
  /** Stop when the source ends instead of restarting it (a video file). Default false. */
  endWithSource?: boolean;
}

/**
 * The mirror's live loop: camera → newest frame → keypoints, for as long as `signal` allows.
 * Frames are read as fast as the camera sends them and only the newest waits for inference;
 * `stats` tells the frame rate inference reached and how many frames it dropped. A camera that
 * is missing, busy or dies is reported as a `camera-error` event and restarted after a back-off;
 * only a missing tool (not retryable) ends the loop with an error.
 */
export async function* liveKeypoints(source: LiveSource, estimator: PoseEstimator, opts: LiveOptions = {}): AsyncGenerator<LiveEvent> {
  const retryMs = opts.retryMs ?? 1000;
  const maxRetryMs = opts.maxRetryMs ?? 30_000;
  let failures = 0;
  while (!opts.signal?.aborted) {
    const controller = new AbortController();
    const forward = () => controller.abort();
    opts.signal?.addEventListener('abort', forward, { once: true });
    const mailbox = new NewestFrameMailbox<SourceFrame>();
    // Producer: drain the camera continuously into the one-frame mailbox.
    const producer = (async () => {
      try {
        for await (const frame of source.frames(controller.signal)) {
          mailbox.put(frame);
          if (source.everyFrame) await mailbox.vacant(); // back-pressure to the source instead of dropping
        }
        mailbox.close();
      } catch (err) {
        mailbox.close(err);
      }
    })();
    let error: unknown;
    let sawFrame = false;
    try {
      for (;;) {
        const frame = await mailbox.take();
        if (!frame || controller.signal.aborted) break;
        if (!sawFrame) {
          sawFrame = true;
          failures = 0;
          estimator.reset(); // a restarted camera is a new scene
          yield { type: 'camera-ready', description: source.description };
        }
        const [pose] = await estimator.estimatePoses(frame);
        const { data: _pixels, ...info } = frame;
        yield { type: 'pose', frame: info, pose, stats: mailbox.stats() };
      }
    } catch (err) {
      error = err;
    } finally {
      controller.abort();
      opts.signal?.removeEventListener('abort', forward);
      await producer;
    }
    if (opts.signal?.aborted) return;
    if (!error && opts.endWithSource) return;
    const sourceError =
      error instanceof FrameSourceError ? error : error ? undefined : new FrameSourceError(`${source.description} ended`, 'STREAM_DIED', true);
    if (!sourceError) throw error; // inference failed: a bug, not a camera problem
    if (!sourceError.retryable) throw sourceError;
    failures++;
    if (opts.maxAttempts !== undefined && failures >= opts.maxAttempts) throw sourceError;
    const wait = cappedBackoff(failures - 1, { minMs: retryMs, maxMs: maxRetryMs });
    yield { type: 'camera-error', error: sourceError, attempt: failures, retryInMs: wait };
    await sleep(wait, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
