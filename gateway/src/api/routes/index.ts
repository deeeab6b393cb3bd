/**
 * Every HTTP route of the gateway, in one list: each family an encapsulated plugin under its
 * prefix, with the authentication its callers use as that plugin's own hook.
 *   /api                     a person's Firebase ID token (Bearer), checked before anything else
 *     /workout/pose-summary  the original backend's call
 *     /pairing               the phone's side of QR pairing
 *     /users/:uid            only the token's own uid: session reads and deletes, the phone app's calls
 *   /device/pairing          the mirror's side of QR pairing (HTTP Basic, its own credentials)
 *   /pair                    the phone pairing page
 *   /fleet                   a mirror's claim and downloads, the operators' page and API (fleet.ts)
 *   /app                     the phone app's files
 *   /identitytoolkit…, /securetoken…, /local-auth  the embedded local sign-in (localAuth/), when on
 *   /openapi.json, /healthz, /readyz, /metrics     open
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { authenticate, requireSameUser, type ApiDeps } from '../buildApi.ts';
import { notJson } from '../routeSchemas.ts';
import { devicePairingRoutes } from './pairingDevice.ts';
import { phonePairingRoutes } from './pairingPhone.ts';
import { pairingPageRoutes } from './pairing.ts';
import { fleetRoutes } from './fleet.ts';
import { phoneAppFiles, phoneAppUserRoutes } from './phoneApp.ts';
import { poseSummaryRoute } from './poseSummary.ts';
import { sessionRoutes } from './sessions.ts';

/** Registers `routes` as an encapsulated plugin under `prefix`, handing it its dependencies. */
const mount = <D>(app: FastifyInstance, routes: (scope: FastifyInstance, deps: D) => Promise<void> | void, deps: D, prefix = '') =>
  app.register(async (scope) => routes(scope, deps), { prefix });

/** The token's person's own data; their uid is the path's (403 otherwise, before the request is read further). */
async function userRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addHook('preValidation', async (req: FastifyRequest<{ Params: { uid: string } }>) => requireSameUser(req.user!, req.params.uid));
  if (deps.phoneApp) phoneAppUserRoutes(app, deps, deps.phoneApp);
  await mount(app, sessionRoutes, deps, '/workout-sessions');
}

/** A person's calls: every route under /api needs their ID token. */
async function personRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addHook('onRequest', async (req) => {
    req.user = await authenticate(req, deps.verifyIdToken);
  });
  // Every route here is documented as needing the token.
  app.addHook('onRoute', (route) => {
    route.schema = { security: [{ firebaseIdToken: [] }], ...route.schema };
  });
  await mount(app, poseSummaryRoute, deps);
  if (deps.pairing) await mount(app, phonePairingRoutes, deps.pairing, '/pairing');
  await mount(app, userRoutes, deps, '/users/:uid');
}

/** Probes, metrics and this API's own description: open, for load balancers and scrapers. */
async function operationsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/openapi.json', { schema: { summary: 'This document (generated from the routes)', response: { 200: z.looseObject({ openapi: z.string() }).describe('OpenAPI 3.1') } } }, async () => app.swagger());
  const storeReport = z.looseObject({ ok: z.boolean() });
  app.get(
    '/healthz',
    { schema: { summary: 'Each store (Firestore, MySQL, Redis) probed: 200 when all answer, 503 naming the one that does not', response: { 200: storeReport.describe('{ok, stores}'), 503: storeReport.describe('{ok: false, stores}') } } },
    async (_req, reply) => {
      if (!deps.health) return { ok: true };
      const report = await deps.health.check();
      return reply.status(report.ok ? 200 : 503).send(report);
    },
  );
  const readiness = z.looseObject({ ready: z.boolean() });
  app.get(
    '/readyz',
    { schema: { summary: 'Ready to accept sessions (Redis answers; a store that is down only delays its queue), with the same per-store report', response: { 200: readiness.describe('{ready, ok, stores}'), 503: readiness.describe('Redis unreachable') } } },
    async (_req, reply) => {
      if (!deps.health) return { ready: true };
      const report = await deps.health.check();
      // Sessions are accepted while Redis answers: a store that is down only delays its own queue.
      const ready = report.stores.redis.ok;
      return reply.status(ready ? 200 : 503).send({ ready, ...report });
    },
  );
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', produces: ['text/plain'], response: { 200: notJson('text exposition format') } } }, async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}

export async function gatewayRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await mount(app, personRoutes, deps, '/api');
  if (deps.pairing) {
    await mount(app, devicePairingRoutes, deps.pairing, '/device/pairing');
    await mount(app, pairingPageRoutes, deps.pairing, '/pair');
  }
  if (deps.fleet) await mount(app, fleetRoutes, deps.fleet, '/fleet');
  if (deps.phoneApp) await mount(app, phoneAppFiles, deps.phoneApp, '/app');
  if (deps.localAuth) await mount(app, (scope, auth) => auth.register(scope), deps.localAuth);
  await mount(app, operationsRoutes, deps);
}
