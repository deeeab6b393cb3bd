/**
 * The phone's side of QR pairing under /api/pairing, behind the Firebase ID token every /api call
 * carries (api.ts):
 *   POST   /lookup {user_code}       which mirror the code belongs to (before confirming)
 *   POST   /claim  {user_code}       pair that mirror with the token's person
 *   POST   /deny   {user_code}       "not now": the mirror hears access_denied
 *   DELETE /devices/{deviceId}       unpair (only the person it is paired with)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PairingRouteDeps } from './pairing.ts';
import { looseAnswer, refusal } from '../routeSchemas.ts';

/**
 * The code's form is not refused here: the service counts every attempt against the address and
 * the person first (a malformed code is a guess too), then answers MALFORMED_CODE.
 */
const userCodeBody = z.object({ user_code: z.unknown().describe('the code the mirror shows: 8 letters such as BCDF-GHJK') });
type CodeRequest = FastifyRequest<{ Body: z.infer<typeof userCodeBody> }>;
const codeRefusals = {
  400: refusal('MALFORMED_CODE: not 8 letters of BCDFGHJKLMNPQRSTVWXZ'),
  401: refusal('MISSING_TOKEN or INVALID_TOKEN'),
  404: refusal('UNKNOWN_CODE: no mirror shows this code'),
  409: refusal('CODE_USED (already used or declined) or CODE_BUSY (being claimed)'),
  410: refusal('CODE_EXPIRED'),
  429: refusal('TOO_MANY_ATTEMPTS: wrong codes from this address or account, or this code tried too often (Retry-After)'),
};
const mirror = { success: z.literal(true), deviceId: z.string(), name: z.string().nullish(), room: z.string().nullish(), displayName: z.string() };

export async function phonePairingRoutes(app: FastifyInstance, deps: PairingRouteDeps): Promise<void> {
  app.post(
    '/lookup',
    { schema: { summary: 'Phone: which mirror a code belongs to, and the name it would greet', body: userCodeBody, response: { 200: looseAnswer('{deviceId, name, room, displayName}', mirror), ...codeRefusals } } },
    async (req: CodeRequest) => {
      const found = await deps.service.lookup(req.user!, req.body.user_code, req.ip);
      return { success: true, ...found };
    },
  );

  app.post(
    '/claim',
    { schema: { summary: "Phone: pair the code's mirror with the token's person", body: userCodeBody, response: { 200: z.object({ ...mirror, pairingId: z.string() }).describe('{deviceId, name, room, displayName, pairingId}'), ...codeRefusals, 422: refusal("ACCOUNT_NOT_STORABLE: the account's id does not fit this gateway's database (too long, characters it cannot store, or another id differing only in case)") } } },
    async (req: CodeRequest) => {
      const paired = await deps.service.claim(req.user!, req.body.user_code, req.ip);
      return { success: true, deviceId: paired.deviceId, name: paired.name, room: paired.room, displayName: paired.displayName, pairingId: paired.pairingId };
    },
  );

  app.post(
    '/deny',
    { schema: { summary: 'Phone: decline; the mirror hears access_denied', body: userCodeBody, response: { 200: z.object({ success: z.literal(true) }).describe('declined'), ...codeRefusals } } },
    async (req: CodeRequest) => {
      await deps.service.deny(req.user!, req.body.user_code, req.ip);
      return { success: true };
    },
  );

  const deviceParams = z.object({ deviceId: z.string() });
  app.delete(
    '/devices/:deviceId',
    {
      schema: {
        summary: 'Phone: unpair a mirror paired with the caller',
        params: deviceParams,
        response: { 200: z.object({ success: z.literal(true), paired: z.literal(false) }).describe('unpaired'), 401: codeRefusals[401], 403: refusal('NOT_YOUR_MIRROR'), 404: refusal('NOT_PAIRED') },
      },
    },
    async (req: FastifyRequest<{ Params: z.infer<typeof deviceParams> }>) => {
      await deps.service.unpair(req.params.deviceId, { kind: 'user', uid: req.user!.uid });
      return { success: true, paired: false };
    },
  );
}
