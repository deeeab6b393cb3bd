/**
 * The phone app's reads and deletes: all sessions, today's, this week's, this month's (in the
 * person's IANA time zone), stats, and deleting one session from both stores.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getProfile, periodRange, type TimeRange } from '@pose-coach/cloud-sync';
import { describeIssues } from '@pose-coach/protocol';
import { GatewayError } from '../../errors.ts';
import { requireSameUser, type ApiDeps } from '../buildApi.ts';

export const PERIODS = ['all', 'today', 'week', 'month'] as const;

const readQuery = z.object({
  period: z.enum(PERIODS).default('all'),
  tz: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

class BadRequest extends Error {
  statusCode = 400;
}

async function rangeFor(deps: ApiDeps, uid: string, period: (typeof PERIODS)[number], tz?: string): Promise<TimeRange | undefined> {
  if (period === 'all') return undefined;
  const zone = tz ?? (await getProfile(deps.pool, uid).catch(() => undefined))?.timeZone ?? 'UTC';
  try {
    return periodRange(period, zone);
  } catch (err) {
    throw new BadRequest(`tz: ${(err as Error).message}`);
  }
}

function parseQuery(req: FastifyRequest, periodFromPath?: (typeof PERIODS)[number]) {
  const q = readQuery.safeParse({ ...(req.query as object), ...(periodFromPath ? { period: periodFromPath } : {}) });
  if (!q.success) throw new BadRequest(describeIssues(q.error));
  return q.data;
}

export function registerSessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const reads = deps.repositories.firestore; // the phone app's source of truth, as in the original app
  const base = '/api/users/:uid/workout-sessions';

  const list = (periodFromPath?: (typeof PERIODS)[number]) => async (req: FastifyRequest<{ Params: { uid: string } }>) => {
    requireSameUser(req.user!, req.params.uid);
    const q = parseQuery(req, periodFromPath);
    const range = await rangeFor(deps, req.params.uid, q.period, q.tz);
    const sessions = await reads.list(req.params.uid, range, q.limit);
    return { period: q.period, range: range ?? null, sessions };
  };

  app.get(base, list());
  for (const period of ['today', 'week', 'month'] as const) app.get(`${base}/${period}`, list(period));

  app.get(`${base}/stats`, async (req: FastifyRequest<{ Params: { uid: string } }>) => {
    requireSameUser(req.user!, req.params.uid);
    const q = parseQuery(req);
    const range = await rangeFor(deps, req.params.uid, q.period, q.tz);
    return reads.stats(req.params.uid, range);
  });

  app.delete(`${base}/:sessionId`, async (req: FastifyRequest<{ Params: { uid: string; sessionId: string } }>) => {
    const { uid, sessionId } = req.params;
    requireSameUser(req.user!, uid);
    const results = await Promise.all(Object.values(deps.repositories).map((r) => r.delete(uid, sessionId)));
    if (!results.some(Boolean)) throw new GatewayError('NOT_FOUND', `no session ${sessionId} for this user`);
    return { success: true, message: 'Workout session deleted' };
  });
}
