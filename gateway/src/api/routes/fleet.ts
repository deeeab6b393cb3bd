/**
 * The fleet's HTTP API under /fleet.
 *   POST   /claim                          a mirror trades its image's claim token for credentials
 *   GET    '', /app.js                     the operators' page (its data comes from the API below)
 * Operators only, under /fleet/api (Authorization: Bearer FLEET_ADMIN_TOKEN; refused when it is unset):
 *   GET    /devices[?group=&status=]       every mirror with status, versions, last seen
 *   GET    /devices/:id                    one mirror, its desired/reported config, recent commands
 *   PATCH  /devices/:id                    {group?, name?, room?} (null clears)
 *   POST   /devices/:id/commands           {name, args?, timeoutMs?} → waits for the ack or the timeout
 *   GET    /config                         every layer of desired config
 *   PATCH  /config/:scope                  {set: {key: value|null}} on fleet | group:<g> | device:<id>;
 *                                          keys and values as protocol/src/fleetConfig.ts defines them
 *   GET|POST /claims, DELETE /claims/:id
 *   GET|POST /releases                     {manifest, bundle (base64)}: a signed release
 *   GET|POST /rollouts, GET /rollouts/:id  {release, group?, percent?, canary?, wave?, concurrency?, maxFailures?, maxFailureRate?}
 *   POST   /rollouts/:id/:action           pause | resume | abort
 * Mirrors (HTTP Basic with their own id and secret):
 *   GET    /releases/:name/bundle          the bundle of a release, for the mirror to verify
 * Refusals are `{error, message}` with the status from fleetErrors.ts.
 */
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import {
  checkFleetConfig,
  claimRequestSchema,
  configLayerSchema,
  FLEET_CONFIG_KEYS,
  FLEET_GROUP_PATTERN,
  FLEET_PRESENCE,
  fleetCommandRequestSchema,
  releaseManifestSchema,
  ROLLOUT_ACTIONS,
  rolloutRequestSchema,
} from '@pose-coach/protocol';
import { CodedError, codedErrorHandler } from '../../errors.ts';
import { createAdminCheck } from '../../fleet/adminAuth.ts';
import { FleetError } from '../../fleet/fleetErrors.ts';
import { deviceAuthHook } from '../../pairing/deviceBasicAuth.ts';
import type { DeviceRegistry } from '../../devices/deviceRegistry.ts';
import type { Fleet } from '../../fleet/startFleet.ts';
import { labelDevice } from '../../fleet/deviceLabels.ts';
import { createFleetPage } from '../../fleet/fleetPage.ts';
import type { Metrics } from '../../metrics.ts';
import { looseAnswer, notJson, zodValidation } from '../routeSchemas.ts';

export interface FleetRouteDeps {
  fleet: Fleet;
  adminToken: string | undefined;
  registry: DeviceRegistry;
  pool: Pool;
  releaseMaxBytes: number;
  metrics?: Metrics;
  /** Gateway-side commands: run here, not sent to the mirror. */
  unpair(deviceId: string): Promise<void>;
}

const claimCreateSchema = z.object({
  maxUses: z.number().int().min(1).max(1_000_000),
  ttlS: z.number().int().positive().optional(),
  group: z.string().regex(FLEET_GROUP_PATTERN).optional(),
});
const devicePatchSchema = z
  .object({
    group: z.string().regex(FLEET_GROUP_PATTERN).nullable().optional(),
    name: z.string().min(1).max(255).nullable().optional(),
    room: z.string().min(1).max(255).nullable().optional(),
  })
  .refine((b) => b.group !== undefined || b.name !== undefined || b.room !== undefined, 'give group, name or room (null clears it)');
const configPatchSchema = z.object({
  set: configLayerSchema.describe(`keys (null removes one): ${Object.keys(FLEET_CONFIG_KEYS).join(', ')}; values as protocol/src/fleetConfig.ts defines them`),
});
const releaseUploadSchema = z.object({ manifest: releaseManifestSchema, bundle: z.string().min(1).describe('the bundle, base64') });
const devicesQuery = z.object({ group: z.string().optional(), status: z.enum(FLEET_PRESENCE).optional() });
const idParams = z.object({ id: z.string() });
const actionParams = idParams.extend({
  action: z.enum(ROLLOUT_ACTIONS, { error: (issue) => `unknown rollout action ${String(issue.input)}; one of ${ROLLOUT_ACTIONS.join(', ')}` }),
});

const fleetRefusal = (description: string) => z.object({ error: z.string(), message: z.string() }).describe(description);
const adminRefusals = {
  400: fleetRefusal('BAD_REQUEST: the message names the field or key'),
  401: fleetRefusal('ADMIN_REQUIRED'),
  404: fleetRefusal('NOT_FOUND'),
  503: fleetRefusal('FLEET_DISABLED: FLEET_ADMIN_TOKEN is not set'),
};
const admin = (summary: string, schema: Record<string, unknown>, answer: z.ZodType, status = 200): { schema: FastifySchema } => ({
  schema: { summary, security: [{ fleetAdmin: [] }], ...schema, response: { [status]: answer, ...adminRefusals } },
});
type Id = FastifyRequest<{ Params: { id: string } }>;

export async function fleetRoutes(app: FastifyInstance, deps: FleetRouteDeps): Promise<void> {
  const { fleet } = deps;
  app.setErrorHandler(codedErrorHandler({}));
  app.setValidatorCompiler(zodValidation((message) => new FleetError('BAD_REQUEST', message)));

  app.post(
    '/claim',
    {
      schema: {
        summary: "Mirror: trade the image's claim token for its own id and secret",
        body: claimRequestSchema,
        response: { 200: z.object({ deviceId: z.string(), secret: z.string() }).describe('{deviceId, secret}'), 400: adminRefusals[400], 403: fleetRefusal('claim_unknown | claim_revoked | claim_expired | claim_exhausted'), 503: fleetRefusal('CLAIMS_BUSY (Retry-After)') },
      },
    },
    async (req: FastifyRequest<{ Body: z.infer<typeof claimRequestSchema> }>, reply) => {
      const creds = await fleet.claims.redeem(req.body);
      req.log.info({ deviceId: creds.deviceId }, 'mirror provisioned by claim');
      return reply.header('cache-control', 'no-store').send(creds);
    },
  );

  const page = createFleetPage();
  const PAGE_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
  app.get('', { schema: { summary: "The operators' page", produces: ['text/html'], response: { 200: notJson('the page') } } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(await page.html()),
  );
  app.get('/app.js', { schema: { summary: "The operators' page script", produces: ['text/javascript'], response: { 200: notJson('the script') } } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(await page.script()),
  );

  app.register(async (mirror) => {
    mirror.addHook('onRequest', deviceAuthHook(deps.registry, (err) => new FleetError('DEVICE_AUTH_REQUIRED', err.message)));
    const nameParams = z.object({ name: z.string() });
    mirror.get(
      '/releases/:name/bundle',
      {
        schema: {
          summary: 'Mirror: the bundle of a release (HTTP Basic, its own credentials)',
          security: [{ deviceBasic: [] }],
          params: nameParams,
          produces: ['application/octet-stream'],
          response: { 200: notJson('the bundle'), 401: fleetRefusal('DEVICE_AUTH_REQUIRED'), 404: adminRefusals[404] },
        },
      },
      async (req: FastifyRequest<{ Params: z.infer<typeof nameParams> }>, reply) => {
        const bundle = fleet.releases.bundle(req.params.name);
        if (!bundle) throw new FleetError('NOT_FOUND', `no release ${req.params.name}`);
        return reply.type('application/octet-stream').send(bundle);
      },
    );
  });

  app.register(
    async (api) => {
      const requireAdmin = createAdminCheck(deps.adminToken);
      api.addHook('onRequest', async (req) => requireAdmin(req.headers.authorization));
      const known = async (id: string) => {
        const v = await fleet.views.one(id);
        if (!v) throw new FleetError('NOT_FOUND', `no mirror ${id} in the fleet`);
        return v;
      };

      api.get('/devices', admin('Every mirror: status, versions, last seen, outbox', { querystring: devicesQuery }, looseAnswer('{devices}', { devices: z.array(z.unknown()) })), async (req: FastifyRequest<{ Querystring: z.infer<typeof devicesQuery> }>) => ({
        devices: await fleet.views.list(req.query),
      }));
      api.get('/devices/:id', admin('One mirror, its desired and reported config, recent commands', { params: idParams }, looseAnswer('{device, desired, reported, commands}')), async (req: Id) => {
        const { id } = req.params;
        return {
          device: await known(id),
          desired: fleet.shadow.desiredFor(id),
          reported: fleet.shadow.reportedOf(id) ?? null,
          commands: await fleet.commands.recent(id),
        };
      });
      api.patch('/devices/:id', admin("A mirror's group, name, room (null clears)", { params: idParams, body: devicePatchSchema }, looseAnswer('{device, desired}')), async (req: FastifyRequest<{ Params: { id: string }; Body: z.infer<typeof devicePatchSchema> }>) => {
        const { id } = req.params;
        await known(id);
        const body = req.body;
        if (body.group !== undefined) await fleet.shadow.setGroup(id, body.group ?? undefined);
        await labelDevice(deps.pool, id, { name: body.name, room: body.room });
        return { device: await known(id), desired: fleet.shadow.desiredFor(id) };
      });
      api.post(
        '/devices/:id/commands',
        admin('A command (diagnostics, end-session, restart-camera, restart-agent, unpair, update); waits for its ack or timeout', { params: idParams, body: fleetCommandRequestSchema }, looseAnswer('{command}')),
        async (req: FastifyRequest<{ Params: { id: string }; Body: z.infer<typeof fleetCommandRequestSchema> }>) => {
          const { id } = req.params;
          await known(id);
          const body = req.body;
          if (body.name === 'unpair') {
            await deps.unpair(id);
            return { command: { id: 'gateway', deviceId: id, name: 'unpair', state: 'ok', sentAt: new Date().toISOString() } };
          }
          return { command: await fleet.commands.send(id, body) };
        },
      );
      api.get('/config', admin('Every layer of desired config', {}, looseAnswer('{layers}')), async () => ({ layers: fleet.shadow.layers() }));
      const scopeParams = z.object({ scope: z.string().describe('fleet, group:<name> or device:<id>') });
      api.patch(
        '/config/:scope',
        admin('Set (or with null remove) config keys on fleet | group:<name> | device:<id>; unknown keys and bad values are refused naming the key', { params: scopeParams, body: configPatchSchema }, looseAnswer('{scope, version, layer}')),
        async (req: FastifyRequest<{ Params: z.infer<typeof scopeParams>; Body: z.infer<typeof configPatchSchema> }>) => {
          const { scope } = req.params;
          const body = req.body;
          fleet.shadow.layer(scope); // refuses a malformed scope first
          // Keys and values checked against the protocol's table, as the mirror will; null removes a key.
          const checked = checkFleetConfig(body.set, { allowNull: true });
          if (!checked.ok) throw new FleetError('BAD_REQUEST', `config refused: ${checked.error}`);
          const version = await fleet.shadow.update(scope, body.set);
          return { scope, version, layer: fleet.shadow.layer(scope) };
        },
      );
      api.get('/claims', admin('Claim tokens', {}, looseAnswer('{claims}')), async () => ({ claims: await fleet.claims.list() }));
      api.post('/claims', admin('A new claim token', { body: claimCreateSchema }, looseAnswer('{claimId, claimToken, …}'), 201), async (req: FastifyRequest<{ Body: z.infer<typeof claimCreateSchema> }>, reply) =>
        reply.status(201).header('cache-control', 'no-store').send(await fleet.claims.create(req.body)),
      );
      api.delete('/claims/:id', admin('Revoke a claim token', { params: idParams }, z.object({ claimId: z.string(), revoked: z.literal(true) }).describe('{claimId, revoked}')), async (req: Id) => {
        const { id } = req.params;
        await fleet.claims.revoke(id);
        return { claimId: id, revoked: true };
      });
      api.get('/releases', admin('Releases', {}, looseAnswer('{releases}')), async () => ({ releases: fleet.releases.list() }));
      api.post(
        '/releases',
        { ...admin('Add a signed release {manifest, bundle (base64)}', { body: releaseUploadSchema }, looseAnswer('{release}'), 201), bodyLimit: deps.releaseMaxBytes * 1.4 },
        async (req: FastifyRequest<{ Body: z.infer<typeof releaseUploadSchema> }>, reply) => {
          const body = req.body;
          const name = `${body.manifest.kind}-${body.manifest.version}`;
          try {
            const release = fleet.releases.add(body.manifest, Buffer.from(body.bundle, 'base64'));
            deps.metrics?.releaseUploads.inc({ outcome: 'accepted' });
            req.log.info({ release: name, kind: release.kind, version: release.version, size: release.size, outcome: 'accepted' }, 'release uploaded');
            return reply.status(201).send({ release });
          } catch (err) {
            const code = err instanceof CodedError ? err.code : 'INTERNAL';
            deps.metrics?.releaseUploads.inc({ outcome: code });
            req.log.warn({ release: name, outcome: 'refused', reason: (err as Error).message }, 'release upload refused');
            throw err;
          }
        },
      );
      api.get('/rollouts', admin('Rollouts', {}, looseAnswer('{rollouts}')), async () => ({ rollouts: fleet.rollouts.list() }));
      api.post('/rollouts', admin('Start a staged rollout', { body: rolloutRequestSchema }, looseAnswer('{rollout}'), 202), async (req: FastifyRequest<{ Body: z.infer<typeof rolloutRequestSchema> }>, reply) =>
        reply.status(202).send({ rollout: await fleet.rollouts.start(req.body) }),
      );
      api.get('/rollouts/:id', admin('One rollout and its progress', { params: idParams }, looseAnswer('{rollout}')), async (req: Id) => {
        const r = fleet.rollouts.get(req.params.id);
        if (!r) throw new FleetError('NOT_FOUND', `no rollout ${req.params.id}`);
        return { rollout: r };
      });
      api.post('/rollouts/:id/:action', admin('Pause, resume or abort a rollout', { params: actionParams }, looseAnswer('{rollout}')), async (req: FastifyRequest<{ Params: z.infer<typeof actionParams> }>) => ({
        rollout: await fleet.rollouts.act(req.params.id, req.params.action),
      }));
    },
    { prefix: '/api' },
  );
}
