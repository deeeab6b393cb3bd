/**
 * The mirror's side of QR pairing (RFC 8628) under /device/pairing, authenticated with its own
 * credentials (HTTP Basic, checked before the body is read):
 *   POST   /authorize  §3.1/3.2 device authorization request → codes, URIs, expiry, interval
 *   POST   /token      §3.4/3.5 poll with the device code (form or JSON body)
 *   DELETE ''         unpair, after the person confirmed it on the glass
 * Refusals use OAuth's `{error, error_description}` so any device-grant client understands them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DEVICE_CODE_GRANT, deviceTokenRequestSchema } from '@pose-coach/protocol';
import { errorCatalogue } from '../../errors.ts';
import { deviceAuthHook } from '../../pairing/deviceBasicAuth.ts';
import { PairingError } from '../../pairing/pairingErrors.ts';
import { phoneReachableBaseUrl } from '../../pairing/phoneReachableUrl.ts';
import type { PairingRouteDeps } from './pairing.ts';
import { looseAnswer, refusal, zodValidation } from '../routeSchemas.ts';

/** RFC 8628 §3.5 refusals of a malformed poll, answered as OAuth errors. */
const DeviceGrantError = errorCatalogue('DeviceGrantError', { unsupported_grant_type: 400, invalid_request: 400 });

const malformedPoll = zodValidation((_message, error) =>
  error?.issues.some((i) => i.path[0] === 'grant_type')
    ? new DeviceGrantError('unsupported_grant_type', `grant_type must be ${DEVICE_CODE_GRANT}`)
    : new DeviceGrantError('invalid_request', 'device_code is required'),
);

const oauthRefusal = (description: string) => z.object({ error: z.string(), error_description: z.string(), interval: z.number().optional() }).describe(description);
const invalidClient = oauthRefusal('invalid_client: HTTP Basic with the MQTT device id and secret is required');

function oauthError(reply: FastifyReply, status: number, error: string, description: string, extra: Record<string, unknown> = {}) {
  return reply.status(status).header('cache-control', 'no-store').send({ error, error_description: description, ...extra });
}

export async function devicePairingRoutes(app: FastifyInstance, deps: PairingRouteDeps): Promise<void> {
  // RFC 8628 §3.1/3.4 requests are application/x-www-form-urlencoded; JSON is accepted too.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.addHook('onRequest', deviceAuthHook(deps.registry));
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof DeviceGrantError) return oauthError(reply, err.status, err.code, err.message);
    if (err instanceof PairingError && err.code === 'DEVICE_AUTH_REQUIRED') {
      return reply.status(401).header('www-authenticate', 'Basic realm="pose-coach mirror"').send({ error: 'invalid_client', error_description: err.message });
    }
    throw err; // the API's handler answers every other refusal
  });

  app.post(
    '/authorize',
    {
      schema: {
        summary: 'Mirror: ask for a pairing (RFC 8628 §3.1); HTTP Basic with the MQTT device id and secret',
        security: [{ deviceBasic: [] }],
        response: { 200: looseAnswer('{device_code, user_code, verification_uri, verification_uri_complete, expires_in, interval} (§3.2)'), 401: invalidClient },
      },
    },
    async (req, reply) => {
      const base = phoneReachableBaseUrl({ publicUrl: deps.publicUrl, calledUrl: `${req.protocol}://${req.headers.host}`, bindHost: deps.bindHost ?? '' });
      const grant = await deps.service.start(req.deviceId!, `${base}/pair`);
      return reply.header('cache-control', 'no-store').send(grant);
    },
  );

  app.post(
    '/token',
    {
      schema: {
        summary: 'Mirror: poll with the device code (§3.4), form-encoded or JSON',
        security: [{ deviceBasic: [] }],
        body: deviceTokenRequestSchema,
        response: {
          200: z.object({ paired: z.literal(true), display_name: z.string().nullable().optional(), pairing_id: z.string() }).describe('{paired: true, display_name, pairing_id}'),
          400: oauthRefusal('{error}: authorization_pending | slow_down (interval raised by 5 s) | access_denied | expired_token | invalid_grant | unsupported_grant_type | invalid_request (§3.5)'),
          401: invalidClient,
        },
      },
      validatorCompiler: malformedPoll,
    },
    async (req: FastifyRequest<{ Body: z.infer<typeof deviceTokenRequestSchema> }>, reply) => {
      const outcome = await deps.service.poll(req.deviceId!, req.body.device_code);
      switch (outcome.kind) {
        case 'approved':
          return reply.header('cache-control', 'no-store').send({ paired: true, display_name: outcome.displayName, pairing_id: outcome.pairingId });
        case 'pending':
          return oauthError(reply, 400, 'authorization_pending', 'nobody has confirmed the code yet', { interval: outcome.interval });
        case 'slow_down':
          return oauthError(reply, 400, 'slow_down', `polling too fast: wait ${outcome.interval} s between polls`, { interval: outcome.interval });
        case 'denied':
          return oauthError(reply, 400, 'access_denied', 'the person declined, or the code was tried too often: ask for a new code');
        case 'expired':
          return oauthError(reply, 400, 'expired_token', 'the code expired: ask for a new one');
        default:
          return oauthError(reply, 400, 'invalid_grant', 'unknown device code for this mirror');
      }
    },
  );

  app.delete(
    '',
    {
      schema: {
        summary: 'Mirror: unpair (after the person confirmed on the glass)',
        security: [{ deviceBasic: [] }],
        response: { 200: z.object({ success: z.literal(true), paired: z.literal(false) }).describe('unpaired'), 401: invalidClient, 404: refusal('NOT_PAIRED') },
      },
    },
    async (req) => {
      await deps.service.unpair(req.deviceId!, { kind: 'device' });
      return { success: true, paired: false };
    },
  );
}
