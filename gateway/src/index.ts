export { createGateway, type Gateway } from './createGateway.ts';
export { loadGatewayConfig, describeGatewayConfig, ConfigError, type GatewayConfig } from './config.ts';
export { createDeviceRegistry, type DeviceRegistry } from './devices/deviceRegistry.ts';
export { buildApi } from './api/buildApi.ts';
export { listDeadLetters, replayDeadLetters } from './queue/deadLetter.ts';
export { createStoreQueues, STORES } from './queue/storeQueues.ts';
export { unpairMirror } from './pairing/pairingService.ts';
export { phoneReachableBaseUrl, lanAddress } from './pairing/phoneReachableUrl.ts';
export { createLocalAuth, resolveAuthMode, LOCAL_AUTH_JWKS_PATH, type LocalAuth, type AuthMode } from './localAuth/index.ts';
