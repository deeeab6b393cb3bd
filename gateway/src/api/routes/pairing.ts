/**
 * QR pairing's HTTP surface in one encapsulated plugin: the mirror's endpoints, the phone's API,
 * and the phone page at /pair (the verification URI). Pairing refusals answer with their own
 * code and sentence; anything else goes on to the API's error handler.
 */
import type { FastifyInstance } from 'fastify';
import type { DeviceRegistry } from '../../devices/deviceRegistry.ts';
import { PairingError } from '../../pairing/pairingErrors.ts';
import type { PairingService } from '../../pairing/pairingService.ts';
import type { PhonePage } from '../../pairing/phonePage.ts';
import { registerDevicePairingRoutes } from './pairingDevice.ts';
import { registerPhonePairingRoutes } from './pairingPhone.ts';

export interface PairingRouteDeps {
  service: PairingService;
  registry: DeviceRegistry;
  page: PhonePage;
  /** Base URL phones reach the gateway at; default: the Host the mirror called, a loopback one made the LAN address. */
  publicUrl?: string;
  /** The address the HTTP API listens on (GATEWAY_HOST): a LAN address is offered only when it listens on all. */
  bindHost?: string;
}

export function registerPairingRoutes(app: FastifyInstance, deps: PairingRouteDeps): void {
  app.register(async (scope) => {
    // RFC 8628 §3.1/3.4 requests are application/x-www-form-urlencoded; JSON is accepted too.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    scope.setErrorHandler((err, _req, reply) => {
      if (!(err instanceof PairingError)) throw err;
      if (err.retryAfterS) reply.header('retry-after', String(err.retryAfterS));
      if (err.code === 'DEVICE_AUTH_REQUIRED') {
        return reply.status(401).header('www-authenticate', 'Basic realm="pose-coach mirror"').send({ error: 'invalid_client', error_description: err.message });
      }
      return reply.status(err.status).send({ success: false, error: err.code, message: err.message });
    });

    registerDevicePairingRoutes(scope, deps);
    registerPhonePairingRoutes(scope, deps);

    scope.get('/pair', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(await deps.page.html()));
    scope.get('/pair/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(await deps.page.script()));
  });
}
