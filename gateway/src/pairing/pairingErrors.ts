/**
 * The pairing refusals, each with its own code and a sentence a person can act on. Kept beside
 * the gateway's catalogue (errors.ts) because RFC 8628 fixes how the mirror's polls are answered.
 */
import { CodedError } from '../errors.ts';

export const PAIRING_ERRORS = {
  MALFORMED_CODE: { status: 400 },
  UNKNOWN_CODE: { status: 404 },
  CODE_EXPIRED: { status: 410 },
  CODE_USED: { status: 409 },
  CODE_BUSY: { status: 409 },
  TOO_MANY_ATTEMPTS: { status: 429 },
  NOT_PAIRED: { status: 404 },
  NOT_YOUR_MIRROR: { status: 403 },
  UNKNOWN_DEVICE: { status: 404 },
  DEVICE_AUTH_REQUIRED: { status: 401 },
  ACCOUNT_NOT_STORABLE: { status: 422 },
} as const;

export type PairingErrorCode = keyof typeof PAIRING_ERRORS;

export class PairingError extends CodedError<PairingErrorCode> {
  override name = 'PairingError';
  constructor(code: PairingErrorCode, message: string, retryAfterS?: number) {
    super(code, PAIRING_ERRORS[code].status, message, retryAfterS);
  }
}
