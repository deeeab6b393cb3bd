/**
 * The `update` fleet command on the agent: signed releases from a rollout, verified, swapped in,
 * self-tested and rolled back by themselves (device/src/fleet/updateCommand.ts).
 *   model → `<dataDir>/releases/model-current`, one frame through the new models; used from the next start.
 *   app   → `<dataDir>/app/current`, the new tree's own self-test entry (appSelfTest.ts); on success
 *           the ack goes out, then the agent exits 75 so systemd starts it from `app/current`
 *           (systemd/bin/pose-agent-start).
 */
import { join, resolve } from 'node:path';
import { appSelfTest } from '../fleet/appSelfTest.ts';
import { modelSelfTest } from '../fleet/modelSelfTest.ts';
import { createUpdateCommand } from '../fleet/updateCommand.ts';
import type { AgentConfig } from './config.ts';

/** The tree this agent runs from (the installed package, or an app release). */
const RUNNING_APP = resolve(import.meta.dirname, '../../..');

export interface UpdateActionOptions {
  config: AgentConfig;
  gatewayHttpUrl: string;
  deviceId: string;
  secret: string;
  publicKeyPem: string;
  ca?: Buffer;
  /** The agent's config file, for the new tree's self-test. */
  configFile?: string;
  /** Restarts the agent (exit 75); absent: an app release is installed but used from the next start. */
  onRestart?(): void;
}

export function updateAction(o: UpdateActionOptions) {
  const { config } = o;
  const update = createUpdateCommand({
    gatewayHttpUrl: o.gatewayHttpUrl,
    deviceId: o.deviceId,
    secret: o.secret,
    root: join(config.dataDir, 'releases'),
    appRoot: join(config.dataDir, 'app'),
    appInstallRoot: RUNNING_APP,
    publicKeyPem: o.publicKeyPem,
    ...(o.ca ? { ca: o.ca } : {}),
    selfTest: async (kind, dir) => {
      if (kind === 'model') await modelSelfTest(dir, { model: config.inference.model, backend: config.inference.backend });
      else await appSelfTest(dir, o.configFile ? { configFile: o.configFile } : {});
    },
  });
  return async (args: Record<string, unknown>) => {
    const installed = await update(args);
    if (installed.kind !== 'app' || !o.onRestart) return installed;
    // Acknowledged first, then the restart into the new release (the ack leaves after the handler returns).
    setTimeout(() => o.onRestart!(), 500).unref();
    return { ...installed, restarting: true };
  };
}
