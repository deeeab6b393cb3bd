/**
 * Operator authentication for the fleet API, page and CLI: deny by default. The one credential is
 * FLEET_ADMIN_TOKEN; without it every fleet call is refused. Compared in constant time over
 * fixed-length digests (timingSafeEqual needs equal lengths; hashing hides the token's length).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { FleetError } from './fleetErrors.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function createAdminCheck(adminToken: string | undefined) {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (authorization: string | undefined): void => {
    if (!expected) throw new FleetError('FLEET_DISABLED', 'fleet administration is switched off: set FLEET_ADMIN_TOKEN on the gateway');
    if (!authorization?.startsWith('Bearer ')) throw new FleetError('ADMIN_REQUIRED', 'Authorization: Bearer <fleet admin token> is required');
    if (!timingSafeEqual(digest(authorization.slice('Bearer '.length).trim()), expected)) {
      throw new FleetError('ADMIN_REQUIRED', 'wrong fleet admin token');
    }
  };
}
