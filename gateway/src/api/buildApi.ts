/**
 * The gateway's HTTP API, built by a function (started elsewhere) so tests can `inject()`.
 * Every /api call needs a Firebase ID token; a token for another uid gets 403.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { Pool } from 'mysql2/promise';
import type { SessionRepository } from '@pose-coach/cloud-sync';
import { codedErrorHandler, GatewayError } from '../errors.ts';
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
import type { PairingRouteDeps } from './routes/pairing.ts';
import type { FleetRouteDeps } from './routes/fleet.ts';
import type { PhoneAppDeps } from './routes/phoneApp.ts';
import { gatewayRoutes } from './routes/index.ts';
import { badRequest, checkedSerializer, zodToOpenApi } from './routeSchemas.ts';

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
  const log = deps.log.child({ part: 'api' });
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
  }) as unknown as FastifyInstance; // pino's Logger type is wider than fastify's default generic
  const routes: { method: string; url: string }[] = [];
  routesOf.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });

  app.setErrorHandler(codedErrorHandler({ success: false }));
  app.setValidatorCompiler(badRequest);
  app.setSerializerCompiler(checkedSerializer(log));
  // Before any route, so it sees them all: /openapi.json is generated from the routes' own schemas.
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Pose Coach gateway API', version: '1.0.0' },
      components: {
        securitySchemes: {
          firebaseIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'Firebase ID token (JWT)' },
          deviceBasic: { type: 'http', scheme: 'basic', description: 'the mirror: its MQTT device id and secret' },
          fleetAdmin: { type: 'http', scheme: 'bearer', description: 'FLEET_ADMIN_TOKEN' },
        },
      },
    },
    transform: zodToOpenApi,
  });
  void app.register(async (root) => gatewayRoutes(root, deps));
  return app;
}
