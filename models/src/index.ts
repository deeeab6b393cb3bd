export { getModelEntry, listModels, INSTALL_COMMAND, MANIFEST_PATH, type ModelEntry, type ModelFile } from './manifest.ts';
export { modelsDir, resolveModel, sha256File, ModelFileError, type InstalledModel } from './files.ts';
export { installModels, type InstallResult } from './install.ts';
