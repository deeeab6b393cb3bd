/** The phone app's own refusals (the API's error handler sends any CodedError as {error, message}). */
import { CodedError } from '../errors.ts';

export const PHONE_APP_ERRORS = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  NOT_OTHER: 409,
  CONFIRMATION_REQUIRED: 428,
  APP_NOT_BUILT: 503,
} as const;

export type PhoneAppErrorCode = keyof typeof PHONE_APP_ERRORS;

export class PhoneAppError extends CodedError<PhoneAppErrorCode> {
  override name = 'PhoneAppError';
  constructor(code: PhoneAppErrorCode, message: string) {
    super(code, PHONE_APP_ERRORS[code], message);
  }
}
