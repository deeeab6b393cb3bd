/** The fleet's refusals, each with its HTTP status; answered as `{error, message}`. */
import { errorCatalogue } from '../errors.ts';

export const FleetError = errorCatalogue('FleetError', {
  FLEET_DISABLED: 503,
  ADMIN_REQUIRED: 401,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  DEVICE_AUTH_REQUIRED: 401,
  /** A release whose size, sha256 or signature does not match (checked on upload). */
  RELEASE_REFUSED: 422,
  /** The gateway has no fleet public key to check releases with. */
  RELEASE_KEY_MISSING: 503,
  claim_unknown: 403,
  claim_revoked: 403,
  claim_expired: 403,
  claim_exhausted: 403,
  /** Too many claims at once (a fleet's first boot); the mirror tries again after Retry-After. */
  CLAIMS_BUSY: 503,
});
export type FleetError = InstanceType<typeof FleetError>;
