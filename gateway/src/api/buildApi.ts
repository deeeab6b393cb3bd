/**
 * The gateway's HTTP API, built by a function (started elsewhere) so tests can `inject()`.
 * Every /api call needs a Firebase ID token; a token for another uid gets 403.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Pool } from 'mysql2/promise';
import type { SessionRepository } from '@pose-coach/cloud-sync';
import { CodedError, GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { SessionIngest } from '../ingest/ingestSession.ts';
import type { SessionEvents } from '../queue/sessionEvents.ts';
import type { StoreName } from '../queue/storeQueues.ts';
import type { StoredMarker } from '../queue/storedMarker.ts';
import type { SessionClaims } from '../queue/sessionClaims.ts';
import type { StoreHealth } from '../health/storeHealth.ts';
import type { SessionReads } from './sessionReads.ts';
import type { VerifiedUser, VerifyIdToken } from './firebaseAuth.ts';
import { registerPoseSummaryRoute } from './routes/poseSummary.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { openApiDocument } from './openapi.ts';
import { registerPairingRoutes, type PairingRouteDeps } from './routes/pairing.ts';
import { registerFleetRoutes, type FleetRouteDeps } from '../fleet/fleetRoutes.ts';
import { registerPhoneAppRoutes, type PhoneAppDeps } from './routes/phoneApp.ts';

export interface ApiDeps {
  verifyIdToken: VerifyIdToken;
  ingest: SessionIngest;
  events: SessionEvents;
  repositories: Record<StoreName, SessionRepository>;
  pool: Pool;
  genericFeedback(): string;
  /** Motivational feedback for a session already stored. */
  feedbackFor(uid: string, sessionId: string): Promise<string>;
  marker: StoredMarker;
  /** Session ids' owners and tombstones. */
  claims: SessionClaims;
  /** Reads from Firestore, falling back to MySQL. */
  reads: SessionReads;
  /** Per-store probes for /healthz and /readyz; absent: they report only that the process runs. */
  health?: StoreHealth;
  metrics: Metrics;
  log: Logger;
  apiWaitMs: number;
  /** QR pairing (mirror endpoints, phone API, phone page); absent: no pairing routes. */
  pairing?: PairingRouteDeps;
  /** Fleet management (claims, operators' API and page); absent: no fleet routes. */
  fleet?: FleetRouteDeps;
  /** The embedded local sign-in (Firebase Auth emulator protocol); absent: a real Firebase project signs tokens. */
  localAuth?: { register(app: FastifyInstance): void };
  /** The person's phone app (/app/ and its /api calls); absent: not served. */
  phoneApp?: PhoneAppDeps;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: VerifiedUser;
  }
}

/** The verified caller; 401 without a valid token. */
export async function authenticate(req: FastifyRequest, verify: VerifyIdToken): Promise<VerifiedUser> {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) throw new GatewayError('MISSING_TOKEN', 'Authorization: Bearer <Firebase ID token> is required');
  return verify(header.slice('Bearer '.length).trim());
}

/** 403 unless the token's uid is the uid the call is about. */
export function requireSameUser(user: VerifiedUser, uid: string): void {
  if (user.uid !== uid) throw new GatewayError('FOREIGN_USER', "this token may not read or change another person's sessions");
}

const routesOf = new WeakMap<FastifyInstance, { method: string; url: string }[]>();
/** Every route the app registered (method, fastify path), so a test can hold the OpenAPI document to them. */
export const registeredRoutes = (app: FastifyInstance) => routesOf.get(app) ?? [];

export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log.child({ part: 'api' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
  }) as unknown as FastifyInstance; // pino's Logger type is wider than fastify's default generic
  const routes: { method: string; url: string }[] = [];
  routesOf.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof CodedError) {
      if (err.retryAfterS) reply.header('retry-after', String(err.retryAfterS));
      return reply.status(err.status).send({ success: false, error: err.code, message: err.message });
    }
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err: err.message }, 'request failed');
    return reply.status(status).send({ success: false, error: status === 500 ? 'INTERNAL' : 'BAD_REQUEST', message: status === 500 ? 'internal error' : err.message });
  });

  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/')) req.user = await authenticate(req, deps.verifyIdToken);
  });

  registerPoseSummaryRoute(app, deps);
  registerSessionRoutes(app, deps);
  if (deps.pairing) registerPairingRoutes(app, deps.pairing);
  if (deps.fleet) registerFleetRoutes(app, deps.fleet);
  deps.localAuth?.register(app);
  if (deps.phoneApp) registerPhoneAppRoutes(app, deps, deps.phoneApp);

  app.get('/openapi.json', async () => openApiDocument());
  app.get('/healthz', async (_req, reply) => {
    if (!deps.health) return { ok: true };
    const report = await deps.health.check();
    return reply.status(report.ok ? 200 : 503).send(report);
  });
  app.get('/readyz', async (_req, reply) => {
    if (!deps.health) return { ready: true };
    const report = await deps.health.check();
    // Sessions are accepted while Redis answers: a store that is down only delays its own queue.
    const ready = report.stores.redis.ok;
    return reply.status(ready ? 200 : 503).send({ ready, ...report });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
  return app;
}
