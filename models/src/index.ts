export { getModelEntry, listModels, INSTALL_COMMAND, MANIFEST_PATH, type ConvertedSource, type ModelEntry, type ModelFile, type PackageSource } from './manifest.ts';
export { modelsDir, resolveModel, sha256File, ModelFileError, type InstalledModel } from './files.ts';
export { convertModel, installModels, type InstallResult } from './install.ts';
export { readTfjsGraph, decodeWeights, type TfjsGraph, type TfNode, type TfConst } from './tfjs-graph.ts';
export { tfjsGraphToOnnx, listOps, OPSET, type ConvertOptions } from './onnx/convert.ts';
export { ConversionError } from './onnx/context.ts';
