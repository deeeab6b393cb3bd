import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { getModelEntry, INSTALL_COMMAND, MODELS_PACKAGE_ROOT, type ModelEntry } from './manifest.ts';

/**
 * Where installed model files live. Default `models/files/` (git-ignored);
 * override with POSE_COACH_MODELS_DIR (e.g. a read-only image on the Pi).
 */
export function modelsDir(): string {
  return process.env.POSE_COACH_MODELS_DIR ?? path.join(MODELS_PACKAGE_ROOT, 'files');
}

/** A model file that is absent or does not match its manifest hash. Never worth retrying. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
  constructor(
    readonly file: string,
    readonly problem: 'missing' | 'corrupt',
    detail: string,
  ) {
    super(`model file ${file} is ${problem} (${detail}); install the models with: ${INSTALL_COMMAND}`);
  }
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** An installed model: its manifest entry and the absolute path of each file. */
export interface InstalledModel {
  entry: ModelEntry;
  dir: string;
  paths: Record<string, string>;
}

/**
 * Checks that every file of a model is present with the size and sha256 the manifest
 * gives, and returns their paths. Hashing 12 MB takes ~30 ms, once per load.
 */
export function resolveModel(name: string, opts: { verifyHash?: boolean; dir?: string } = {}): InstalledModel {
  const entry = getModelEntry(name);
  const dir = opts.dir ?? modelsDir();
  const paths: Record<string, string> = {};
  for (const f of entry.files) {
    const file = path.join(dir, f.name);
    if (!existsSync(file)) throw new ModelFileError(file, 'missing', `model ${name} needs it`);
    const size = statSync(file).size;
    if (size !== f.bytes) throw new ModelFileError(file, 'corrupt', `${size} bytes, the manifest says ${f.bytes}`);
    if (opts.verifyHash !== false) {
      const actual = sha256File(file);
      if (actual !== f.sha256) throw new ModelFileError(file, 'corrupt', `sha256 ${actual}, the manifest says ${f.sha256}`);
    }
    paths[f.name] = file;
  }
  return { entry, dir, paths };
}
