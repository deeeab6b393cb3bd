/**
 * QR pairing's page at /pair (the verification URI) and the dependencies of its three route
 * families: the page here, the mirror's endpoints (pairingDevice.ts, /device/pairing) and the
 * phone's API (pairingPhone.ts, /api/pairing). routes/index.ts mounts them.
 */
import type { FastifyInstance } from 'fastify';
import type { DeviceRegistry } from '../../devices/deviceRegistry.ts';
import type { PairingService } from '../../pairing/pairingService.ts';
import type { PhonePage } from '../../pairing/phonePage.ts';
import { notJson } from '../routeSchemas.ts';

export interface PairingRouteDeps {
  service: PairingService;
  registry: DeviceRegistry;
  page: PhonePage;
  /** Base URL phones reach the gateway at; default: the Host the mirror called, a loopback one made the LAN address. */
  publicUrl?: string;
  /** The address the HTTP API listens on (GATEWAY_HOST): a LAN address is offered only when it listens on all. */
  bindHost?: string;
}

export async function pairingPageRoutes(app: FastifyInstance, deps: PairingRouteDeps): Promise<void> {
  app.get(
    '',
    { schema: { summary: 'The phone pairing page (verification_uri); ?code=XXXX-XXXX is verification_uri_complete', produces: ['text/html'], response: { 200: notJson('the page') } } },
    async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(await deps.page.html()),
  );
  app.get(
    '/app.js',
    { schema: { summary: "The pairing page's script (the Firebase JS SDK bundled)", produces: ['text/javascript'], response: { 200: notJson('the script') } } },
    async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(await deps.page.script()),
  );
}
