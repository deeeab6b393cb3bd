/**
 * The `update` fleet command on the agent: signed releases from a rollout, verified, swapped in,
 * self-tested and rolled back by themselves (device/src/fleet/updateCommand.ts).
 *   model → `<dataDir>/releases/model-current`, one frame through the new models in a child, then
 *           swapped into the running agent between sessions and checked on real frames; rolled
 *           back (link and estimator) when the agent does not run healthy on it. No restart.
 *   app   → `<dataDir>/app/current`, the new tree's own self-test entry (appSelfTest.ts); on success
 *           the release is put on probation (updateState.ts), the ack goes out, then the agent
 *           exits 75 so systemd starts it from `app/current` (systemd/bin/pose-agent-start), which
 *           rolls it back by itself when it crash-loops or is not healthy in time.
 * Every outcome is written to last-update.json (reported in telemetry) and logged with the
 * release, version, outcome and reason.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { LastUpdate } from '@pose-coach/protocol';
import { appSelfTest } from '../fleet/appSelfTest.ts';
import { swapLink, UpdateError } from '../fleet/installRelease.ts';
import { modelSelfTest } from '../fleet/modelSelfTest.ts';
import { createUpdateCommand } from '../fleet/updateCommand.ts';
import { markAppPending, writeLastUpdate } from '../fleet/updateState.ts';
import type { AgentConfig } from './config.ts';

/** The tree this agent runs from (the installed package, or an app release). */
export const RUNNING_APP = resolve(import.meta.dirname, '../../..');

export interface UpdateActionOptions {
  config: AgentConfig;
  log: Logger;
  gatewayHttpUrl: string;
  deviceId: string;
  secret: string;
  publicKeyPem: string;
  ca?: Buffer;
  /** The agent's config file, for the new tree's self-test. */
  configFile?: string;
  /** Restarts the agent (exit 75); absent: an app release is installed but used from the next start. */
  onRestart?(): void;
  /** Puts the models now behind `model-current` into use and resolves once real frames ran through them. */
  activateModels?(): Promise<void>;
  /** Told every outcome (telemetry carries it). */
  onOutcome?(u: LastUpdate): void;
}

export function updateAction(o: UpdateActionOptions) {
  const { config, log } = o;
  const modelRoot = join(config.dataDir, 'releases');
  const update = createUpdateCommand({
    gatewayHttpUrl: o.gatewayHttpUrl,
    deviceId: o.deviceId,
    secret: o.secret,
    root: modelRoot,
    appRoot: join(config.dataDir, 'app'),
    appInstallRoot: RUNNING_APP,
    publicKeyPem: o.publicKeyPem,
    ...(o.ca ? { ca: o.ca } : {}),
    selfTest: async (kind, dir) => {
      if (kind === 'model') await modelSelfTest(dir, { model: config.inference.model, backend: config.inference.backend });
      else await appSelfTest(dir, o.configFile ? { configFile: o.configFile } : {});
    },
  });
  const outcome = (u: Omit<LastUpdate, 'at'>) => {
    const saved = writeLastUpdate(config.dataDir, u);
    o.onOutcome?.(saved);
    const fields = { release: `${u.kind}-${u.version}`, kind: u.kind, version: u.version, outcome: u.outcome, ...(u.reason ? { reason: u.reason } : {}) };
    if (u.outcome === 'rolled-back' || u.outcome === 'failed') log.warn(fields, 'release not kept');
    else log.info(fields, 'release update');
  };

  return async (args: Record<string, unknown>) => {
    const m = args.manifest as { kind?: 'model' | 'app'; version?: string } | undefined;
    let installed;
    try {
      installed = await update(args);
    } catch (err) {
      if (m?.kind && m.version) outcome({ kind: m.kind, version: m.version, outcome: err instanceof UpdateError && err.rolledBack ? 'rolled-back' : 'failed', reason: (err as Error).message });
      throw err;
    }
    if (installed.kind === 'model') {
      try {
        await o.activateModels?.();
      } catch (err) {
        // Unhealthy on real frames: the models it replaced go back behind the link, and into use.
        const link = join(modelRoot, 'model-current');
        if (installed.previous) swapLink(link, installed.previous);
        else rmSync(link, { force: true });
        if (installed.previous !== installed.dir) rmSync(installed.dir, { recursive: true, force: true });
        // The previous models failing too is told, but the outcome stays the rollback (they ran before).
        await o.activateModels?.().catch((e: Error) => log.error({ version: installed.version, err: e.message }, 'the previous models did not come back into use after the rollback'));
        const reason = `model release ${installed.version} was not healthy on real frames (${(err as Error).message}); the previous release is back`;
        outcome({ kind: 'model', version: installed.version, outcome: 'rolled-back', reason });
        throw new UpdateError('self_test_failed', reason, true);
      }
      outcome({ kind: 'model', version: installed.version, outcome: 'healthy' });
      return { ...installed, active: true };
    }
    // An app release proves itself only once it runs: on probation until the new agent reports healthy.
    markAppPending(config.dataDir, { version: installed.version, dir: installed.dir, deadlineS: config.fleet.healthDeadlineS, maxStarts: config.fleet.maxStarts });
    outcome({ kind: 'app', version: installed.version, outcome: 'installed' });
    if (!o.onRestart) return installed;
    // Acknowledged first, then the restart into the new release (the ack leaves after the handler returns).
    setTimeout(() => o.onRestart!(), 500).unref();
    return { ...installed, restarting: true };
  };
}
