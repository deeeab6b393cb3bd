export { credentialsByClaim, ClaimError, type ClaimOptions } from './claimCredentials.ts';
