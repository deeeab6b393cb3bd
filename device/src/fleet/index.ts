export { credentialsByClaim, ClaimError, type ClaimOptions } from './claimCredentials.ts';
export { fleetCommand, formatDeviceTable, parseAssignments } from './fleetCommand.ts';
export { createFleetApiClient, FleetApiError, type FleetApiClient } from './fleetApiClient.ts';
export { installRelease, verifyRelease, appReleaseLayout, modelReleaseLayout, UpdateError, type ReleaseLayout, type InstallOptions, type Installed, type UpdateFailure } from './installRelease.ts';
export { createUpdateCommand, type UpdateCommandOptions } from './updateCommand.ts';
export { bundleFolder, signRelease, newFleetKeyPair, APP_BUNDLE_SKIP } from './signRelease.ts';
export { modelSelfTest, type ModelSelfTestOptions } from './modelSelfTest.ts';
export { appSelfTest, APP_SELF_TEST_ENTRY, type AppSelfTestOptions } from './appSelfTest.ts';
export { linkInstalledDependencies } from './linkDependencies.ts';
