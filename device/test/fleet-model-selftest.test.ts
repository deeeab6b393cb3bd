/**
 * The self-test a model release must pass before it stays installed: one frame through real
 * inference with the slot's models, in a child process. A damaged model fails it.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelsDir } from '@pose-coach/models';
import { modelSelfTest } from '../src/fleet/modelSelfTest.ts';
import { tempDir } from './outbox-fixtures.ts';

const installed = ['movenet-lightning.json', 'movenet-lightning.bin'].every((f) => existsSync(join(modelsDir(), f)));
const t = tempDir('fleet-selftest');
afterAll(() => t.cleanup());

describe.skipIf(!installed)(`model release self-test${installed ? '' : ' (skipped: models not installed; npm run models:install)'}`, () => {
  it('passes with the installed models and fails, naming the file, with a damaged one', async () => {
    expect((await modelSelfTest(modelsDir(), { model: 'movenet-lightning' })).ms).toBeGreaterThan(0);

    const damaged = join(t.dir, 'damaged');
    mkdirSync(damaged);
    copyFileSync(join(modelsDir(), 'movenet-lightning.json'), join(damaged, 'movenet-lightning.json'));
    writeFileSync(join(damaged, 'movenet-lightning.bin'), 'not the weights');
    await expect(modelSelfTest(damaged, { model: 'movenet-lightning' })).rejects.toThrow(/inference self-test failed: .*movenet-lightning/);
  }, 120_000);
});
