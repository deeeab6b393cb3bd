/**
 * The mirror's side of QR pairing (RFC 8628), authenticated with its own credentials:
 *   POST   /device/pairing/authorize  §3.1/3.2 device authorization request → codes, URIs, expiry, interval
 *   POST   /device/pairing/token      §3.4/3.5 poll with the device code (form or JSON body)
 *   DELETE /device/pairing            unpair, after the person confirmed it on the glass
 * Refusals use OAuth's `{error, error_description}` so any device-grant client understands them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateDevice } from '../../pairing/deviceBasicAuth.ts';
import { phoneReachableBaseUrl } from '../../pairing/phoneReachableUrl.ts';
import type { PairingRouteDeps } from './pairing.ts';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function oauthError(reply: FastifyReply, status: number, error: string, description: string, extra: Record<string, unknown> = {}) {
  return reply.status(status).header('cache-control', 'no-store').send({ error, error_description: description, ...extra });
}

export function registerDevicePairingRoutes(app: FastifyInstance, deps: PairingRouteDeps): void {
  const device = (req: FastifyRequest) => authenticateDevice(req.headers.authorization, deps.registry);

  app.post('/device/pairing/authorize', async (req, reply) => {
    const deviceId = await device(req);
    const base = phoneReachableBaseUrl({ publicUrl: deps.publicUrl, calledUrl: `${req.protocol}://${req.headers.host}`, bindHost: deps.bindHost ?? '' });
    const grant = await deps.service.start(deviceId, `${base}/pair`);
    return reply.header('cache-control', 'no-store').send(grant);
  });

  app.post('/device/pairing/token', async (req, reply) => {
    const deviceId = await device(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.grant_type !== DEVICE_CODE_GRANT) return oauthError(reply, 400, 'unsupported_grant_type', `grant_type must be ${DEVICE_CODE_GRANT}`);
    if (typeof body.device_code !== 'string' || !body.device_code) return oauthError(reply, 400, 'invalid_request', 'device_code is required');
    const outcome = await deps.service.poll(deviceId, body.device_code);
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
  });

  app.delete('/device/pairing', async (req) => {
    const deviceId = await device(req);
    await deps.service.unpair(deviceId, { kind: 'device' });
    return { success: true, paired: false };
  });
}
