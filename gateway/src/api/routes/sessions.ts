/**
 * The phone app's reads and deletes: all sessions, today's, this week's, this month's (in the
 * person's IANA time zone), stats, and deleting one session from both stores. Lists come a page
 * at a time (`nextCursor`); reads come from Firestore, or from MySQL while Firestore is down.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CursorError, getProfile, periodRange, recordTombstone, type TimeRange } from '@pose-coach/cloud-sync';
import { describeIssues, pathSegmentIssue } from '@pose-coach/protocol';
import { GatewayError } from '../../errors.ts';
import { requireSameUser, type ApiDeps } from '../buildApi.ts';
import type { ReadAnswer } from '../sessionReads.ts';

export const PERIODS = ['all', 'today', 'week', 'month'] as const;

const readQuery = z.object({
  period: z.enum(PERIODS).default('all'),
  tz: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  cursor: z.string().max(2000).optional(),
});

async function rangeFor(deps: ApiDeps, uid: string, period: (typeof PERIODS)[number], tz?: string): Promise<TimeRange | undefined> {
  if (period === 'all') return undefined;
  const zone = tz ?? (await getProfile(deps.pool, uid).catch(() => undefined))?.timeZone ?? 'UTC';
  try {
    return periodRange(period, zone);
  } catch (err) {
    throw new GatewayError('BAD_REQUEST', `tz: ${(err as Error).message}`);
  }
}

function parseQuery(req: FastifyRequest, periodFromPath?: (typeof PERIODS)[number]) {
  const q = readQuery.safeParse({ ...(req.query as object), ...(periodFromPath ? { period: periodFromPath } : {}) });
  if (!q.success) throw new GatewayError('BAD_REQUEST', describeIssues(q.error));
  return q.data;
}

/** 400 naming the parameter when it cannot be a Firestore path segment (e.g. "../.."). */
function checkIds(params: Record<string, string>): void {
  for (const [name, value] of Object.entries(params)) {
    const issue = pathSegmentIssue(value);
    if (issue) throw new GatewayError('BAD_REQUEST', `${name}: ${issue}`);
  }
}

/** Says where the answer came from (header and body), so a fallback is never silent. */
function sourced<T extends object>(reply: FastifyReply, answer: ReadAnswer<unknown>, body: T) {
  reply.header('x-pose-coach-source', answer.source);
  return { ...body, source: answer.source, ...(answer.degraded ? { degraded: answer.degraded } : {}) };
}

export function registerSessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const base = '/api/users/:uid/workout-sessions';

  const list = (periodFromPath?: (typeof PERIODS)[number]) => async (req: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply) => {
    checkIds(req.params);
    requireSameUser(req.user!, req.params.uid);
    const q = parseQuery(req, periodFromPath);
    const range = await rangeFor(deps, req.params.uid, q.period, q.tz);
    try {
      const answer = await deps.reads.read((repo) => repo.page(req.params.uid, { range, limit: q.limit, cursor: q.cursor }));
      return sourced(reply, answer, { period: q.period, range: range ?? null, sessions: answer.value.sessions, nextCursor: answer.value.nextCursor ?? null });
    } catch (err) {
      if (err instanceof CursorError) throw new GatewayError('BAD_REQUEST', err.message);
      throw err;
    }
  };

  app.get(base, list());
  for (const period of ['today', 'week', 'month'] as const) app.get(`${base}/${period}`, list(period));

  app.get(`${base}/stats`, async (req: FastifyRequest<{ Params: { uid: string } }>, reply) => {
    checkIds(req.params);
    requireSameUser(req.user!, req.params.uid);
    const q = parseQuery(req);
    const range = await rangeFor(deps, req.params.uid, q.period, q.tz);
    const answer = await deps.reads.read((repo) => repo.stats(req.params.uid, range));
    // The original stats shape; where it came from is added only when it is not Firestore.
    reply.header('x-pose-coach-source', answer.source);
    return answer.degraded ? { ...answer.value, source: answer.source, degraded: answer.degraded } : answer.value;
  });

  app.delete(`${base}/:sessionId`, async (req: FastifyRequest<{ Params: { uid: string; sessionId: string } }>) => {
    const { uid, sessionId } = req.params;
    checkIds(req.params);
    requireSameUser(req.user!, uid);
    // Each store is addressed under the caller's own uid, so only their own session can go.
    const results = await Promise.all(Object.values(deps.repositories).map((r) => r.delete(uid, sessionId)));
    if (!results.some(Boolean)) throw new GatewayError('NOT_FOUND', `no session ${sessionId} for this user`);
    // The tombstone: a mirror's late retry is refused, a re-post answered "deleted", reconcile
    // removes a copy a store still holds instead of copying it back.
    await deps.claims.markDeleted(sessionId, uid);
    await recordTombstone(deps.pool, sessionId, uid);
    return { success: true, message: 'Workout session deleted' };
  });
}
