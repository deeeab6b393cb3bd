export { createLink, defaultClientId, type Link, type LinkHandlers, type LinkOptions, type LinkState } from './mqttLink.ts';
export { readCredentials, CredentialsError, credentialsSchema, type DeviceCredentials } from './credentials.ts';
export { backoffDelay, type BackoffOptions } from '@pose-coach/protocol';
