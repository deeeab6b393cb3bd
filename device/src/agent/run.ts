/**
 * The agent as a process (entry point: main.ts): flags, start, the URL printed, clean stop.
 * SIGTERM/SIGINT close and save the session in progress, then exit 0. A bad config exits 78
 * (EX_CONFIG), which the systemd unit does not restart.
 */
import { parseArgs } from 'node:util';
import { CredentialsError } from '../link/index.ts';
import { ClaimError } from '../fleet/claimCredentials.ts';
import { ConfigError, configDocs } from './config.ts';
import type { CoachFactory } from './ports.ts';
import { startAgent } from './startAgent.ts';

const EX_CONFIG = 78;
/** sysexits EX_TEMPFAIL: not a clean end, so systemd's Restart=on-failure brings the agent back. */
const EX_TEMPFAIL = 75;

const HELP = `pose-agent: the mirror's daemon

usage: npx tsx device/src/agent/main.ts [options]   (npm start runs it for you)

  --config FILE     JSON config (also POSE_AGENT_CONFIG); every key has a default
  --video FILE      play a video file once as the camera; the workout ends with the clip
  --loop            with --video: play the clip again and again (a demo mirror)
  --simulate        use the built-in simulated athlete even when a camera is present
  --port N          HTTP/WebSocket port (http.port)
  --config-docs     print every config key, its env variable and default
  --help            this text
`;

/** Thrown for a flag the agent does not know: the caller prints it with the usage, not a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface RunOptions {
  /** A coach to use instead of the installed one (tests). */
  createCoach?: CoachFactory;
  /** Told the agent's URL once it serves (tests). */
  onStarted?(url: string): void;
}

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        config: { type: 'string' },
        video: { type: 'string' },
        loop: { type: 'boolean' },
        simulate: { type: 'boolean' },
        port: { type: 'string' },
        'config-docs': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The agent as a process: parse flags, start, stop cleanly on SIGTERM/SIGINT. */
export async function runAgentProcess(args: string[], opts: RunOptions = {}): Promise<void> {
  const values = parseFlags(args);
  if (values.help) return void process.stdout.write(HELP);
  if (values['config-docs']) return void process.stdout.write(configDocs() + '\n');
  if (values.loop && !values.video) throw new UsageError('--loop needs --video FILE');

  const agent = await startAgent({
    ...(values.config ? { configFile: values.config } : {}),
    overrides: {
      'source.video': values.video,
      'source.loopVideo': values.loop ? true : undefined,
      'source.kind': values.simulate ? 'simulation' : values.video ? 'video' : undefined,
      'http.port': values.port !== undefined ? Number(values.port) : undefined,
    },
    ...(opts.createCoach ? { createCoach: opts.createCoach } : {}),
    // `restart-agent` from the fleet: stop cleanly, exit with EX_TEMPFAIL so systemd (Restart=on-failure) starts it again.
    onRestart: () => stop('restart-agent', EX_TEMPFAIL),
  });
  const log = agent.log;
  process.stdout.write(`Mirror UI: ${agent.url}  (live events ${agent.url.replace('http', 'ws')}live, health ${agent.url}healthz)\n`);
  opts.onStarted?.(agent.url);

  let stopping = false;
  const stop = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    agent.stop(signal).then(
      () => process.exit(code),
      (err: Error) => {
        log.error({ err: err.message }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export function exitOnStartFailure(err: Error): never {
  if (err instanceof UsageError) {
    process.stderr.write(`pose-agent: ${err.message}\n\n${HELP}`);
    process.exit(2);
  }
  // A refused claim (revoked, expired, used up, unknown) will not change by retrying.
  if (err instanceof ConfigError || err instanceof CredentialsError || (err instanceof ClaimError && err.code !== undefined)) {
    process.stderr.write(`pose-agent: ${err.message}\n`);
    process.exit(EX_CONFIG);
  }
  process.stderr.write(`pose-agent: failed to start: ${err.message}\n`);
  process.exit(1);
}

