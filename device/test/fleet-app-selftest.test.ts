/**
 * What an app release runs before it stays installed: the app's real self-test entry (config
 * loaded, one frame through real inference), a release tree that borrows the installed packages
 * while its own workspaces win, and the systemd start script picking `app/current` when present.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelsDir } from '@pose-coach/models';
import { appSelfTest, APP_SELF_TEST_ENTRY } from '../src/fleet/appSelfTest.ts';
import { linkInstalledDependencies } from '../src/fleet/linkDependencies.ts';
import { APP_BUNDLE_SKIP, bundleFolder } from '../src/fleet/signRelease.ts';
import { tempDir } from './outbox-fixtures.ts';

const repo = resolve(import.meta.dirname, '../..');
const installed = ['movenet-lightning.json', 'movenet-lightning.bin'].every((f) => existsSync(join(modelsDir(), f)));
const t = tempDir('fleet-app-selftest');
afterAll(() => t.cleanup());

describe('app release self-test', () => {
  it.skipIf(!installed)(`passes for this tree with a working config and fails, saying why, with one it refuses${installed ? '' : ' (skipped: models not installed; npm run models:install)'}`, async () => {
    const good = join(t.dir, 'good.json');
    writeFileSync(good, JSON.stringify({ dataDir: join(t.dir, 'data'), inference: { model: 'movenet-lightning', backend: 'tfjs-wasm' } }));
    await appSelfTest(repo, { configFile: good });
    const bad = join(t.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ dataDir: join(t.dir, 'data'), inference: { model: 'no-such-model' } }));
    await expect(appSelfTest(repo, { configFile: bad })).rejects.toThrow(/app self-test failed: .*inference\.model/);
  }, 120_000);

  it('refuses a tree without the self-test entry', async () => {
    await expect(appSelfTest(join(t.dir, 'empty'))).rejects.toThrow(`the release has no self-test entry ${APP_SELF_TEST_ENTRY}`);
  });

  it('lends a release the installed third-party packages while its own workspace packages resolve to its own tree', async () => {
    const rel = join(t.dir, 'release');
    mkdirSync(join(rel, 'protocol', 'src'), { recursive: true });
    writeFileSync(join(rel, 'protocol', 'package.json'), JSON.stringify({ name: '@pose-coach/protocol', type: 'module', exports: { '.': './src/index.ts' } }));
    writeFileSync(join(rel, 'protocol', 'src', 'index.ts'), `export const whose = 'the release';\n`);
    mkdirSync(join(rel, 'device', 'src', 'agent'), { recursive: true });
    writeFileSync(
      join(rel, APP_SELF_TEST_ENTRY),
      `import { z } from 'zod';\nimport { whose } from '@pose-coach/protocol';\nif (z.string().parse(whose) !== 'the release') { console.error('protocol from ' + whose); process.exit(1); }\n`,
    );
    await expect(appSelfTest(rel)).rejects.toThrow(/app self-test failed: .*(zod|Cannot find)/);
    linkInstalledDependencies(rel, repo);
    expect(readlinkSync(join(rel, 'node_modules', '@pose-coach', 'protocol'))).toBe('../../protocol');
    expect(readlinkSync(join(rel, 'node_modules', 'zod'))).toBe(join(repo, 'node_modules', 'zod'));
    await appSelfTest(rel);
    // The operator's bundle of such a tree carries its source, not the borrowed packages.
    const files = Object.keys(JSON.parse(bundleFolder(rel, { skip: APP_BUNDLE_SKIP }).toString()).files).sort();
    expect(files).toEqual([APP_SELF_TEST_ENTRY, 'protocol/package.json', 'protocol/src/index.ts']);
  }, 60_000);
});

describe('systemd start script', () => {
  const script = join(repo, 'systemd/bin/pose-agent-start');
  const fakeApp = (dir: string) => {
    mkdirSync(join(dir, 'device/src/agent'), { recursive: true });
    writeFileSync(join(dir, 'device/src/agent/main.ts'), `console.log(JSON.stringify({ from: import.meta.dirname, args: process.argv.slice(2) }));\n`);
  };
  it('starts the agent from app/current when an app release is installed, else from the package', () => {
    const prefix = join(t.dir, 'prefix');
    fakeApp(prefix);
    mkdirSync(join(prefix, 'node_modules'), { recursive: true });
    symlinkSync(join(repo, 'node_modules', 'tsx'), join(prefix, 'node_modules', 'tsx'));
    const state = join(t.dir, 'state');
    mkdirSync(join(state, 'app'), { recursive: true });
    const run = () => JSON.parse(execFileSync(script, [prefix, process.execPath, '--config', '/etc/x.json'], { env: { ...process.env, STATE_DIRECTORY: state }, encoding: 'utf8' }));

    expect(run()).toEqual({ from: join(prefix, 'device/src/agent'), args: ['--config', '/etc/x.json'] });
    fakeApp(join(state, 'app/releases/2.0.0'));
    symlinkSync(join(state, 'app/releases/2.0.0'), join(state, 'app/current'));
    expect(run().from).toBe(join(state, 'app/releases/2.0.0/device/src/agent'));
  });
});
