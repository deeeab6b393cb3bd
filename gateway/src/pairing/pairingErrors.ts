/**
 * The pairing refusals, each with its own code and a sentence a person can act on. Kept beside
 * the gateway's catalogue (errors.ts) because RFC 8628 fixes how the mirror's polls are answered.
 */
import { errorCatalogue } from '../errors.ts';

export const PairingError = errorCatalogue('PairingError', {
  MALFORMED_CODE: 400,
  UNKNOWN_CODE: 404,
  CODE_EXPIRED: 410,
  CODE_USED: 409,
  CODE_BUSY: 409,
  TOO_MANY_ATTEMPTS: 429,
  NOT_PAIRED: 404,
  NOT_YOUR_MIRROR: 403,
  UNKNOWN_DEVICE: 404,
  DEVICE_AUTH_REQUIRED: 401,
  ACCOUNT_NOT_STORABLE: 422,
});
export type PairingError = InstanceType<typeof PairingError>;
