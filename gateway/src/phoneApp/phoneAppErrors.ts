/** The phone app's own refusals (the API's error handler sends any CodedError as {error, message}). */
import { errorCatalogue } from '../errors.ts';

export const PhoneAppError = errorCatalogue('PhoneAppError', {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  NOT_OTHER: 409,
  CONFIRMATION_REQUIRED: 428,
  APP_NOT_BUILT: 503,
});
export type PhoneAppError = InstanceType<typeof PhoneAppError>;
