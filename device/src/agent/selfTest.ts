/**
 * The app's self-test entry, run by the fleet from a NEW release's tree before it is started
 * (device/src/fleet/appSelfTest.ts): this tree's config loader reads the agent's config (a config
 * the new version refuses fails here), then one frame through this tree's inference with the
 * configured model. Exit 0 = the release may start; 1 = roll back (the reason on stderr).
 *   node --import tsx device/src/agent/selfTest.ts [--config FILE]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { oneTestFrame } from '../fleet/testFrame.ts';
import { loadConfig } from './config.ts';

try {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  const config = loadConfig(values.config ? { file: values.config } : {});
  // The models the agent would use: a fleet model release when one is installed (as startAgent does).
  const installedModels = join(config.dataDir, 'releases', 'model-current');
  if (!process.env.POSE_COACH_MODELS_DIR && existsSync(installedModels)) process.env.POSE_COACH_MODELS_DIR = installedModels;
  const ms = await oneTestFrame(config.inference.model, config.inference.backend);
  console.log(JSON.stringify({ ms, model: config.inference.model, backend: config.inference.backend }));
  process.exit(0);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
