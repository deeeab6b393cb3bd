/**
 * The phone's side of QR pairing, behind the Firebase ID token every /api call carries:
 *   POST   /api/pairing/lookup {user_code}       which mirror the code belongs to (before confirming)
 *   POST   /api/pairing/claim  {user_code}       pair that mirror with the token's person
 *   POST   /api/pairing/deny   {user_code}       "not now": the mirror hears access_denied
 *   DELETE /api/pairing/devices/{deviceId}       unpair (only the person it is paired with)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PairingRouteDeps } from './pairing.ts';

const userCodeOf = (req: FastifyRequest) => ((req.body ?? {}) as { user_code?: unknown }).user_code;

export function registerPhonePairingRoutes(app: FastifyInstance, deps: PairingRouteDeps): void {
  app.post('/api/pairing/lookup', async (req) => {
    const mirror = await deps.service.lookup(req.user!, userCodeOf(req), req.ip);
    return { success: true, ...mirror };
  });

  app.post('/api/pairing/claim', async (req) => {
    const paired = await deps.service.claim(req.user!, userCodeOf(req), req.ip);
    return { success: true, deviceId: paired.deviceId, name: paired.name, room: paired.room, displayName: paired.displayName, pairingId: paired.pairingId };
  });

  app.post('/api/pairing/deny', async (req) => {
    await deps.service.deny(req.user!, userCodeOf(req), req.ip);
    return { success: true };
  });

  app.delete('/api/pairing/devices/:deviceId', async (req: FastifyRequest<{ Params: { deviceId: string } }>) => {
    await deps.service.unpair(req.params.deviceId, { kind: 'user', uid: req.user!.uid });
    return { success: true, paired: false };
  });
}
