/**
 * Step: the pipeline, frames → poses (the source runs inference) → live pose events → sessions.
 * Restarts the source after a failure (a camera unplugged) with a capped backoff; `restart()`
 * starts a new stream (restart-camera, new camera settings, a model swap).
 */
import type { Logger } from 'pino';
import { cappedBackoff, type LiveEventInput } from '@pose-coach/protocol';
import type { LiveServer } from '../liveServer.ts';
import type { PoseFrame, PoseSource } from '../ports.ts';
import type { SessionsPart } from './sessions.ts';
import type { AgentState } from './state.ts';

/** A failing source is retried after 1 s, 2 s, 4 s … at most 30 s. */
const SOURCE_RETRY = { minMs: 1000, maxMs: 30_000 };
/** How long shutdown waits for the source to let go (a camera process to exit). */
const STOP_WAIT_MS = 3000;

export interface PipelineInputs {
  state: AgentState;
  source: PoseSource;
  live: Pick<LiveServer, 'broadcast'>;
  sessions: Pick<SessionsPart, 'push' | 'restart' | 'end'>;
  log: Logger;
}

export interface PipelinePart {
  /** A new stream from the source (and so a new coach: stream time starts again). */
  restart(): void;
  /** The camera settings in the config changed: the source takes them and restarts; a source without any ignores them. */
  applyCameraSettings(): void;
  /** Closes the open session (saved), then stops the source. */
  stop(reason: string): Promise<void>;
}

export function poseEvent(f: PoseFrame, fps: number, simulated: boolean): LiveEventInput {
  return {
    type: 'pose',
    frameAt: f.frameAt,
    keypoints: f.keypoints.map((k) => ({ name: k.name, x: k.x / f.width, y: k.y / f.height, score: Math.min(1, Math.max(0, k.score)) })),
    score: Math.min(1, Math.max(0, f.score)),
    inferenceMs: f.inferenceMs,
    fps,
    simulated,
    width: f.width,
    height: f.height,
  };
}

export function startPipeline({ state, source, live, sessions, log }: PipelineInputs): PipelinePart {
  const stream = { abort: new AbortController() };
  const hooks = {
    onSourceError: (message: string | undefined) => {
      state.sourceError = message;
      if (message) log.warn({ err: message }, 'camera failed; retrying');
    },
  };

  async function run(): Promise<void> {
    let failures = 0;
    while (!state.stopping) {
      const abort = stream.abort;
      try {
        state.sourceEnded = false;
        for await (const frame of source.poses(abort.signal, hooks)) {
          if (state.stopping) break; // the session was closed for shutdown: no new one may start
          state.stats.record(frame.frameAt, frame.inferenceMs);
          failures = 0;
          state.sourceError = undefined;
          live.broadcast(poseEvent(frame, state.stats.fps(frame.frameAt), source.simulated));
          sessions.push(frame);
        }
        if (abort.signal.aborted) {
          if (state.stopping) return;
          // restart-camera: a new stream, so a new coach (stream time starts again).
          sessions.restart('camera restarted');
          stream.abort = new AbortController();
          continue;
        }
        state.sourceEnded = true;
        log.info({ source: source.description }, 'frame source ended');
        sessions.end('source ended');
        return;
      } catch (err) {
        if (state.stopping) return;
        state.sourceError = (err as Error).message;
        const wait = cappedBackoff(failures++, SOURCE_RETRY);
        log.error({ err: state.sourceError, retryInMs: wait }, 'frame source failed');
        await new Promise((r) => setTimeout(r, wait));
        if (abort.signal.aborted) stream.abort = new AbortController();
      }
    }
  }
  const running = run();

  function restart(): void {
    log.info({ source: source.description }, 'restarting the frame source');
    stream.abort.abort();
  }

  return {
    restart,
    applyCameraSettings() {
      const { fps, width, height } = state.config.source;
      if (!source.configure) return void log.info({ source: source.description, fps, width, height }, 'camera settings ignored: the source has none');
      source.configure({ fps, width, height });
      restart();
    },
    async stop(reason) {
      state.stopping = true;
      // The session in progress is closed and saved before anything else shuts.
      const saved = sessions.end(`shutdown (${reason})`);
      if (saved.sessionId) log.info(saved, 'session in progress closed at shutdown');
      stream.abort.abort();
      await Promise.race([running, new Promise((r) => setTimeout(r, STOP_WAIT_MS))]);
    },
  };
}
