import type { SourceFrame } from './types.ts';

/**
 * A camera (or a video played as one): it can be started again after it fails, which is how
 * the live loop retries a missing, busy or dead camera.
 */
export interface LiveSource {
  /** For logs and errors, e.g. "CSI camera (rpicam-vid 640×480 @30 yuv420)". */
  readonly description: string;
  /** Starts the camera and yields its frames until it stops, fails (FrameSourceError) or `signal` aborts. */
  frames(signal: AbortSignal): AsyncIterable<SourceFrame>;
  /**
   * Every frame waits for inference instead of the newest replacing it (a file played once:
   * the clip, not a camera, sets the pace, and a slow machine plays it slower rather than
   * missing reps). Default false: a camera never builds a backlog.
   */
  readonly everyFrame?: boolean;
}
