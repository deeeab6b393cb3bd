/**
 * Step: remote commands (`cmd` → `cmd/ack`), one handler per name (../commands.ts runs them).
 * `update` exists with a release key and credentials: signed model and app releases from a rollout
 * (../updateAction.ts), verified, swapped in, self-tested, rolled back on failure.
 */
import type { Logger } from 'pino';
import type { Command } from '@pose-coach/protocol';
import type { Link } from '../../link/index.ts';
import { runCommand, type CommandHandler } from '../commands.ts';
import type { PoseSource } from '../ports.ts';
import { updateAction } from '../updateAction.ts';
import type { Identity } from './identity.ts';
import type { PipelinePart } from './pipeline.ts';
import type { SessionsPart } from './sessions.ts';
import type { AgentState } from './state.ts';
import type { TelemetryPart } from './telemetry.ts';

/** The ack goes out after the handler returns; the restart waits this long for it. */
const RESTART_AFTER_ACK_MS = 500;

export interface CommandsInputs {
  state: AgentState;
  identity: Identity;
  source: Pick<PoseSource, 'description'>;
  link: Pick<Link, 'publishCommandAck'> | undefined;
  sessions: Pick<SessionsPart, 'end'>;
  pipeline: Pick<PipelinePart, 'restart'>;
  telemetry: Pick<TelemetryPart, 'send'>;
  diagnostics(): Record<string, unknown>;
  /** Puts a new model release into use (modelSwap.ts). */
  activateModels(): Promise<void>;
  log: Logger;
  /** The config file the agent started with (an app release's self-test loads it too). */
  configFile?: string;
  /** How the process restarts the agent; absent: no `restart-agent` command. */
  onRestart?(): void;
}

export interface CommandsPart {
  readonly names: readonly string[];
  /** Runs one command and acknowledges it on `cmd/ack`. */
  handle(cmd: Command): void;
}

export function commandHandlers(i: CommandsInputs): CommandsPart {
  const { state, identity, log, onRestart } = i;
  const creds = identity.credentials;
  const handlers: Record<string, CommandHandler> = {
    'restart-camera': () => (i.pipeline.restart(), { source: i.source.description }),
    'end-session': () => i.sessions.end('remote command'),
    diagnostics: () => i.diagnostics(),
    ...(identity.releaseKeyPem && creds
      ? {
          update: updateAction({
            config: state.config,
            log: log.child({ part: 'update' }),
            gatewayHttpUrl: creds.gatewayHttpUrl,
            deviceId: identity.deviceId,
            secret: creds.secret,
            publicKeyPem: identity.releaseKeyPem,
            activateModels: i.activateModels,
            onOutcome: (u) => {
              state.lastUpdate = u;
              i.telemetry.send();
            },
            ...(identity.ca ? { ca: identity.ca } : {}),
            ...(i.configFile ? { configFile: i.configFile } : {}),
            ...(onRestart ? { onRestart } : {}),
          }),
        }
      : {}),
    // Acknowledged first, then the process restarts.
    ...(onRestart ? { 'restart-agent': () => (setTimeout(() => onRestart(), RESTART_AFTER_ACK_MS).unref(), { restarting: true }) } : {}),
  };
  return {
    names: Object.keys(handlers),
    handle(cmd) {
      void runCommand(cmd, handlers).then((ack) => {
        log.info({ id: cmd.id, name: cmd.name, ok: ack.ok }, 'command');
        return i.link?.publishCommandAck(ack).catch((err: Error) => log.warn({ id: cmd.id, err: err.message }, 'cmd/ack not sent'));
      });
    },
  };
}
