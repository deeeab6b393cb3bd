import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Errors of a frame source, with a code the caller can act on (retry a busy camera, not a bad file). */
export class FrameSourceError extends Error {
  override name = 'FrameSourceError';
  constructor(
    message: string,
    readonly code: 'NOT_FOUND' | 'TOOL_MISSING' | 'BUSY' | 'DECODE_FAILED' | 'STREAM_DIED' | 'BAD_INPUT',
    /** Whether trying again later can succeed (a busy or dying camera), or never (a missing file). */
    readonly retryable = false,
  ) {
    super(message);
  }
}

export function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function requireTool(cmd: string, debianPackage: string): void {
  if (!commandExists(cmd)) {
    throw new FrameSourceError(`${cmd} is not installed (Debian: apt-get install ${debianPackage})`, 'TOOL_MISSING');
  }
}

/** Keeps the last lines a child wrote to stderr, for error messages. */
export function stderrTail(child: { stderr: Readable | null }, maxLines = 8): () => string {
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).split('\n').slice(-maxLines - 1).join('\n');
  });
  return () => tail.trim();
}

export type RawChild = ChildProcessByStdio<null, Readable, Readable>;

/** Starts a decoder whose stdout is raw frames. */
export function spawnRaw(cmd: string, args: string[]): RawChild {
  return spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the exit code (or signal) of a child once it has ended. */
export function exited(child: RawChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}
