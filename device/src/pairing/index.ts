export { createPairingClient, gatewayHttpUrlFrom, PairingClientError, DEVICE_CODE_GRANT, type PairingClient, type DeviceAuthorization, type PollResult } from './pairingClient.ts';
export { createPairingFlow, type PairingFlow, type PairingView } from './pairingFlow.ts';
