/**
 * The phone app's reads and deletes under /api/users/:uid/workout-sessions: all sessions, today's,
 * this week's, this month's (in the person's IANA time zone), stats, and deleting one session from
 * both stores. Lists come a page at a time (`nextCursor`); reads come from Firestore, or from
 * MySQL while Firestore is down. The caller is already known to be the uid's person (users.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CursorError, periodRange, recordTombstone, type TimeRange } from '@pose-coach/cloud-sync';
import { sessionStatsSchema, storedSessionSchema } from '@pose-coach/protocol';
import { GatewayError } from '../../errors.ts';
import type { ApiDeps } from '../buildApi.ts';
import type { ReadAnswer } from '../sessionReads.ts';
import { looseAnswer, refusal, sessionParams, uidParams } from '../routeSchemas.ts';
import { profileZone } from '../profileZone.ts';

export const PERIODS = ['all', 'today', 'week', 'month'] as const;
type Period = (typeof PERIODS)[number];

const readQuery = z.object({
  period: z.enum(PERIODS).default('all'),
  tz: z.string().max(64).optional().describe("IANA time zone; default: the person's profile, else UTC"),
  limit: z.coerce.number().int().min(1).max(1000).default(500).describe('sessions per page'),
  cursor: z.string().max(2000).optional().describe('nextCursor of the previous page'),
});
/** On /today, /week, /month the path names the period (a `period` in the query is overridden). */
const queryFor = (period: Exclude<Period, 'all'>) => readQuery.omit({ period: true }).transform((q) => ({ ...q, period }));

const source = z.enum(['firestore', 'mysql']);
const sessionPage = z
  .object({
    period: z.enum(PERIODS),
    range: z.object({ fromIso: z.string(), toIso: z.string() }).nullable(),
    sessions: z.array(storedSessionSchema),
    nextCursor: z.string().nullable(),
    source,
    degraded: z.string().optional(),
  })
  .describe('one page of sessions, newest first; nextCursor is null on the last page. source says which store answered (header x-pose-coach-source too); degraded says why when it is MySQL (Firestore down)');
const readRefusals = {
  400: refusal('BAD_REQUEST: the message names the field'),
  401: refusal('MISSING_TOKEN or INVALID_TOKEN: missing, invalid or expired ID token'),
  403: refusal('FOREIGN_USER: a token of another person'),
};

async function rangeFor(deps: ApiDeps, uid: string, period: Period, tz?: string): Promise<TimeRange | undefined> {
  if (period === 'all') return undefined;
  const zone = tz ?? (await profileZone(deps, uid));
  try {
    return periodRange(period, zone);
  } catch (err) {
    throw new GatewayError('BAD_REQUEST', `tz: ${(err as Error).message}`);
  }
}

/** Says where the answer came from (header and body), so a fallback is never silent. */
function sourced<T extends object>(reply: FastifyReply, answer: ReadAnswer<unknown>, body: T) {
  reply.header('x-pose-coach-source', answer.source);
  return { ...body, source: answer.source, ...(answer.degraded ? { degraded: answer.degraded } : {}) };
}

type ReadRequest = FastifyRequest<{ Params: z.infer<typeof uidParams>; Querystring: z.output<typeof readQuery> }>;

export async function sessionRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const list = async (req: ReadRequest, reply: FastifyReply) => {
    const { uid } = req.params;
    const q = req.query;
    const range = await rangeFor(deps, uid, q.period, q.tz);
    try {
      const answer = await deps.reads.read((repo) => repo.page(uid, { range, limit: q.limit, cursor: q.cursor }));
      return sourced(reply, answer, { period: q.period, range: range ?? null, sessions: answer.value.sessions, nextCursor: answer.value.nextCursor ?? null });
    } catch (err) {
      if (err instanceof CursorError) throw new GatewayError('BAD_REQUEST', err.message);
      throw err;
    }
  };

  app.get('', { schema: { summary: 'All sessions, or one period with ?period=today|week|month', params: uidParams, querystring: readQuery, response: { 200: sessionPage, ...readRefusals } } }, list);
  const summaries = { today: "Today's sessions in the person's time zone", week: "This week's sessions (from Monday)", month: "This month's sessions" } as const;
  for (const period of ['today', 'week', 'month'] as const) {
    app.get(`/${period}`, { schema: { summary: summaries[period], params: uidParams, querystring: queryFor(period), response: { 200: sessionPage, ...readRefusals } } }, list);
  }

  app.get(
    '/stats',
    {
      schema: {
        summary: 'totalSessions, totalReps, averageAccuracy, totalDuration (optionally for a period)',
        params: uidParams,
        querystring: readQuery,
        response: { 200: sessionStatsSchema.extend({ source: source.optional(), degraded: z.string().optional() }).describe('stats; source and degraded only when MySQL answered'), ...readRefusals },
      },
    },
    async (req: ReadRequest, reply) => {
      const { uid } = req.params;
      const range = await rangeFor(deps, uid, req.query.period, req.query.tz);
      const answer = await deps.reads.read((repo) => repo.stats(uid, range));
      // The original stats shape; where it came from is added only when it is not Firestore.
      reply.header('x-pose-coach-source', answer.source);
      return answer.degraded ? { ...answer.value, source: answer.source, degraded: answer.degraded } : answer.value;
    },
  );

  app.delete(
    '/:sessionId',
    {
      schema: {
        summary: 'Delete one session from Firestore and MySQL',
        params: sessionParams,
        response: { 200: looseAnswer('deleted', { success: z.literal(true), message: z.string() }), 404: refusal('NOT_FOUND: no such session'), ...readRefusals },
      },
    },
    async (req: FastifyRequest<{ Params: z.infer<typeof sessionParams> }>) => {
      const { uid, sessionId } = req.params;
      // Each store is addressed under the caller's own uid, so only their own session can go.
      const results = await Promise.all(Object.values(deps.repositories).map((r) => r.delete(uid, sessionId)));
      if (!results.some(Boolean)) throw new GatewayError('NOT_FOUND', `no session ${sessionId} for this user`);
      // The tombstone: a mirror's late retry is refused, a re-post answered "deleted", reconcile
      // removes a copy a store still holds instead of copying it back.
      await deps.claims.markDeleted(sessionId, uid);
      await recordTombstone(deps.pool, sessionId, uid);
      return { success: true, message: 'Workout session deleted' };
    },
  );
}
