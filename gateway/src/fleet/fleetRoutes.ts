/**
 * The fleet's HTTP API.
 *   POST   /fleet/claim                          a mirror trades its image's claim token for credentials
 *   GET    /fleet, /fleet/app.js                 the operators' page (its data comes from the API below)
 * Operators only (Authorization: Bearer FLEET_ADMIN_TOKEN; refused when it is unset):
 *   GET    /fleet/api/devices[?group=&status=]   every mirror with status, versions, last seen
 *   GET    /fleet/api/devices/:id                one mirror, its desired/reported config, recent commands
 *   PATCH  /fleet/api/devices/:id                {group?, name?, room?} (null clears)
 *   POST   /fleet/api/devices/:id/commands       {name, args?, timeoutMs?} → waits for the ack or the timeout
 *   GET    /fleet/api/config                     every layer of desired config
 *   PATCH  /fleet/api/config/:scope              {set: {key: value|null}} on fleet | group:<g> | device:<id>;
 *                                                keys and values as protocol/src/fleetConfig.ts defines them
 *   GET|POST /fleet/api/claims, DELETE /fleet/api/claims/:id
 *   GET|POST /fleet/api/releases                 {manifest, bundle (base64)}: a signed release
 *   GET|POST /fleet/api/rollouts, GET /fleet/api/rollouts/:id   {release, group?, percent?, canary?, wave?, concurrency?, maxFailures?, maxFailureRate?}
 *   POST   /fleet/api/rollouts/:id/:action       pause | resume | abort
 * Mirrors (HTTP Basic with their own id and secret):
 *   GET    /fleet/releases/:name/bundle          the bundle of a release, for the mirror to verify
 * Refusals are `{error, message}` with the status from fleetErrors.ts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { checkFleetConfig, claimRequestSchema, configLayerSchema, describeIssues, fleetCommandRequestSchema, FLEET_GROUP_PATTERN } from '@pose-coach/protocol';
import { createAdminCheck } from './adminAuth.ts';
import { CodedError } from '../errors.ts';
import { FleetError } from './fleetErrors.ts';
import { releaseManifestSchema, rolloutRequestSchema, ROLLOUT_ACTIONS, type RolloutAction } from '@pose-coach/protocol';
import { authenticateDevice } from '../pairing/deviceBasicAuth.ts';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { Fleet } from './startFleet.ts';
import { labelDevice } from './deviceLabels.ts';
import type { Pool } from 'mysql2/promise';
import { createFleetPage } from './fleetPage.ts';
import type { Metrics } from '../metrics.ts';

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

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new FleetError('BAD_REQUEST', describeIssues(r.error));
  return r.data;
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
const configPatchSchema = z.object({ set: configLayerSchema });
const releaseUploadSchema = z.object({ manifest: releaseManifestSchema, bundle: z.string().min(1) });


export function registerFleetRoutes(app: FastifyInstance, deps: FleetRouteDeps): void {
  const { fleet } = deps;
  const requireAdmin = createAdminCheck(deps.adminToken);

  void app.register(async (scoped) => {
    scoped.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      if (err instanceof CodedError) {
        if (err.retryAfterS) reply.header('retry-after', String(err.retryAfterS));
        return reply.status(err.status).send({ error: err.code, message: err.message });
      }
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) req.log.error({ err: err.message }, 'fleet request failed');
      return reply.status(status).send({ error: status === 500 ? 'INTERNAL' : 'BAD_REQUEST', message: status === 500 ? 'internal error' : err.message });
    });

    scoped.post('/fleet/claim', async (req, reply) => {
      const body = parse(claimRequestSchema, req.body);
      const creds = await fleet.claims.redeem(body);
      req.log.info({ deviceId: creds.deviceId }, 'mirror provisioned by claim');
      return reply.header('cache-control', 'no-store').send(creds);
    });

    const page = createFleetPage();
    const PAGE_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
    scoped.get('/fleet', async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(await page.html()));
    scoped.get('/fleet/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(await page.script()));

    scoped.get('/fleet/releases/:name/bundle', async (req, reply) => {
      try {
        await authenticateDevice(req.headers.authorization, deps.registry);
      } catch (err) {
        throw new FleetError('DEVICE_AUTH_REQUIRED', (err as Error).message);
      }
      const bundle = fleet.releases.bundle((req.params as { name: string }).name);
      if (!bundle) throw new FleetError('NOT_FOUND', `no release ${(req.params as { name: string }).name}`);
      return reply.type('application/octet-stream').send(bundle);
    });

    scoped.register(async (admin) => {
      admin.addHook('onRequest', async (req) => requireAdmin(req.headers.authorization));
      const known = async (id: string) => {
        const v = await fleet.views.one(id);
        if (!v) throw new FleetError('NOT_FOUND', `no mirror ${id} in the fleet`);
        return v;
      };

      admin.get('/fleet/api/devices', async (req) => {
        const q = req.query as { group?: string; status?: string };
        return { devices: await fleet.views.list(q) };
      });
      admin.get('/fleet/api/devices/:id', async (req) => {
        const { id } = req.params as { id: string };
        return {
          device: await known(id),
          desired: fleet.shadow.desiredFor(id),
          reported: fleet.shadow.reportedOf(id) ?? null,
          commands: await fleet.commands.recent(id),
        };
      });
      admin.patch('/fleet/api/devices/:id', async (req) => {
        const { id } = req.params as { id: string };
        await known(id);
        const body = parse(devicePatchSchema, req.body);
        if (body.group !== undefined) await fleet.shadow.setGroup(id, body.group ?? undefined);
        await labelDevice(deps.pool, id, { name: body.name, room: body.room });
        return { device: await known(id), desired: fleet.shadow.desiredFor(id) };
      });
      admin.post('/fleet/api/devices/:id/commands', async (req) => {
        const { id } = req.params as { id: string };
        await known(id);
        const body = parse(fleetCommandRequestSchema, req.body);
        if (body.name === 'unpair') {
          await deps.unpair(id);
          return { command: { id: 'gateway', deviceId: id, name: 'unpair', state: 'ok', sentAt: new Date().toISOString() } };
        }
        return { command: await fleet.commands.send(id, body) };
      });
      admin.get('/fleet/api/config', async () => ({ layers: fleet.shadow.layers() }));
      admin.patch('/fleet/api/config/:scope', async (req) => {
        const { scope } = req.params as { scope: string };
        const body = parse(configPatchSchema, req.body);
        fleet.shadow.layer(scope); // refuses a malformed scope first
        // Keys and values checked against the protocol's table, as the mirror will; null removes a key.
        const checked = checkFleetConfig(body.set, { allowNull: true });
        if (!checked.ok) throw new FleetError('BAD_REQUEST', `config refused: ${checked.error}`);
        const version = await fleet.shadow.update(scope, body.set);
        return { scope, version, layer: fleet.shadow.layer(scope) };
      });
      admin.get('/fleet/api/claims', async () => ({ claims: await fleet.claims.list() }));
      admin.post('/fleet/api/claims', async (req, reply) => {
        const body = parse(claimCreateSchema, req.body);
        return reply.status(201).header('cache-control', 'no-store').send(await fleet.claims.create(body));
      });
      admin.get('/fleet/api/releases', async () => ({ releases: fleet.releases.list() }));
      admin.post('/fleet/api/releases', { bodyLimit: deps.releaseMaxBytes * 1.4 }, async (req, reply) => {
        const body = parse(releaseUploadSchema, req.body);
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
      });
      admin.get('/fleet/api/rollouts', async () => ({ rollouts: fleet.rollouts.list() }));
      admin.get('/fleet/api/rollouts/:id', async (req) => {
        const r = fleet.rollouts.get((req.params as { id: string }).id);
        if (!r) throw new FleetError('NOT_FOUND', `no rollout ${(req.params as { id: string }).id}`);
        return { rollout: r };
      });
      admin.post('/fleet/api/rollouts', async (req, reply) => reply.status(202).send({ rollout: await fleet.rollouts.start(parse(rolloutRequestSchema, req.body)) }));
      admin.post('/fleet/api/rollouts/:id/:action', async (req) => {
        const { id, action } = req.params as { id: string; action: string };
        if (!(ROLLOUT_ACTIONS as readonly string[]).includes(action)) throw new FleetError('BAD_REQUEST', `unknown rollout action ${action}; one of ${ROLLOUT_ACTIONS.join(', ')}`);
        return { rollout: await fleet.rollouts.act(id, action as RolloutAction) };
      });
      admin.delete('/fleet/api/claims/:id', async (req) => {
        const { id } = req.params as { id: string };
        await fleet.claims.revoke(id);
        return { claimId: id, revoked: true };
      });
    });
  });
}
