/**
 * The phone app (gateway/phone-app): its files and Firebase settings under /app (`phoneAppFiles`),
 * and the calls it makes beyond the session routes (`phoneAppUserRoutes`, mounted under
 * /api/users/:uid, where the token's person is already known to be the uid's):
 *   GET    /mirrors                     mirrors paired with them
 *   GET    /summary?tz=                 stats for today, week, month, all time
 *   GET    /progress?tz=&days=          reps per day, accuracy per exercise
 *   GET    /history?limit=&before=      sessions newest first, a page at a time
 *   GET    /history/{sessionId}         one session, where it is stored, its feedback
 *   PATCH  /history/{sessionId}         {movement}: name what an `other` session was
 *   GET    /live                        server-sent events: each new session
 *   GET    /export?format=json|csv      all their sessions, as a download
 *   DELETE ''  {confirm}                everything of theirs, in every store
 * Deleting one session and unpairing a mirror use the existing routes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Firestore } from 'firebase-admin/firestore';
import { Gauge } from 'prom-client';
import { z } from 'zod';
import { setMysqlMovement } from '@pose-coach/cloud-sync';
import { sessionDocPath, sessionPayloadSchema, storedSessionSchema } from '@pose-coach/protocol';
import type { ApiDeps } from '../buildApi.ts';
import type { PhonePageSettings } from '../../pairing/phonePage.ts';
import { createAppFiles } from '../../phoneApp/appFiles.ts';
import { createLiveSessions } from '../../phoneApp/liveSessions.ts';
import { DELETE_ACCOUNT_CONFIRMATION, deleteAccount, pairedMirrors } from '../../phoneApp/personAccount.ts';
import { PhoneAppError } from '../../phoneApp/phoneAppErrors.ts';
import { checkTimeZone, historyPage, progress, sessionsCsv, summary } from '../../phoneApp/sessionViews.ts';
import { badRequest, looseAnswer, noBody, notJson, refusal, zodValidation, sessionParams, uidParams } from '../routeSchemas.ts';
import { profileZone } from '../profileZone.ts';

export interface PhoneAppDeps {
  /** Folder of the built app (`npm run app:build`). */
  dir: string;
  /** The Firebase web settings the app signs in with (the pairing page's). */
  settings: PhonePageSettings;
  firestore: Firestore;
  /** Ends the pairing of one of the person's mirrors, telling the mirror. */
  unpair(deviceId: string, uid: string): Promise<void>;
}

const confirmationRequired = zodValidation(() => new PhoneAppError('CONFIRMATION_REQUIRED', `deleting everything needs {"confirm": "${DELETE_ACCOUNT_CONFIRMATION}"} in the body`));

const tz = z.string().max(64).optional().describe("IANA time zone days are counted in; default: the person's profile, else UTC");
const tzQuery = z.object({ tz });
const progressQuery = tzQuery.extend({ days: z.coerce.number().int().min(1).max(366).default(30) });
const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), before: z.string().max(40).optional().describe('the `next` of the previous page') });
const exportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
const movementBody = z.object({ movement: sessionPayloadSchema.shape.movement.unwrap() });
const deleteBody = z.object({ confirm: z.literal(DELETE_ACCOUNT_CONFIRMATION) });

type Req<Q = unknown, B = unknown> = FastifyRequest<{ Params: { uid: string }; Querystring: Q; Body: B }>;
type SessionReq<B = unknown> = FastifyRequest<{ Params: { uid: string; sessionId: string }; Body: B }>;

const refusals = {
  400: refusal('BAD_REQUEST: the message names the parameter'),
  401: refusal('MISSING_TOKEN or INVALID_TOKEN: missing, invalid or expired ID token'),
  403: refusal('FOREIGN_USER: a token of another person'),
};
const notFound = refusal('NOT_FOUND');

/** /app: the built app and its settings; no token (the app signs in itself). */
export async function phoneAppFiles(app: FastifyInstance, phone: PhoneAppDeps): Promise<void> {
  const files = createAppFiles(phone.dir);
  app.get('', { schema: { summary: 'Redirects to /app/', response: { 301: noBody('Location: /app/') } } }, async (_req, reply) => reply.redirect('/app/', 301));
  app.get(
    '/config.json',
    { schema: { summary: "The phone app's Firebase web settings: {apiKey, authDomain, projectId, authEmulatorUrl?}", response: { 200: looseAnswer('settings') } } },
    async (_req, reply) => reply.header('cache-control', 'no-cache').send(phone.settings),
  );
  app.get(
    '/*',
    {
      schema: {
        summary: 'The phone app (installable web app; any path under /app/ is the app or one of its files)',
        produces: ['text/html'],
        response: { 200: notJson('the app, or one of its files'), 404: refusal('NOT_FOUND'), 503: refusal('APP_NOT_BUILT: run npm run app:build') },
      },
    },
    async (req: FastifyRequest<{ Params: { '*': string } }>, reply) => {
      const file = await files.get(req.params['*']);
      return reply.type(file.type).header('cache-control', file.cacheControl).send(file.body);
    },
  );
}

/**
 * The phone app's calls under /api/users/:uid. Called on that scope itself (not registered as its
 * own plugin) so its hook also sees the session routes' deletes, which live beside it.
 */
export function phoneAppUserRoutes(app: FastifyInstance, deps: ApiDeps, phone: PhoneAppDeps): void {
  const reads = deps.repositories.firestore;
  const live = createLiveSessions({ events: deps.events, reads, log: deps.log.child({ part: 'phone-live' }) });
  // Open event streams would keep the server from closing.
  app.addHook('preClose', async () => live.close());
  const LIVE_GAUGE = 'pose_coach_phone_live_streams';
  if (!deps.metrics.registry.getSingleMetric(LIVE_GAUGE)) {
    new Gauge({ name: LIVE_GAUGE, help: 'Phones with the live event stream open', registers: [deps.metrics.registry], collect() { this.set(live.count()); } });
  }

  // A session deleted through the session routes: the person's other phones drop it.
  app.addHook('onResponse', async (req, reply) => {
    if (req.method !== 'DELETE' || reply.statusCode !== 200 || req.routeOptions.url !== '/api/users/:uid/workout-sessions/:sessionId') return;
    const { uid, sessionId } = req.params as { uid: string; sessionId: string };
    live.removed(uid, sessionId);
  });

  /** The zone days are counted in: the phone's, else the person's profile, else UTC. */
  const zoneOf = async (uid: string, tz?: string) => checkTimeZone(tz ?? (await profileZone(deps, uid)));

  app.get(
    '/mirrors',
    { schema: { summary: 'Mirrors paired with the person: [{deviceId, name, room, pairedAt}]', params: uidParams, response: { 200: looseAnswer('{mirrors}', { mirrors: z.array(looseAnswer('a mirror', { deviceId: z.string() })) }), ...refusals } } },
    async (req: Req) => ({ mirrors: await pairedMirrors(deps.pool, req.params.uid) }),
  );

  app.get(
    '/summary',
    {
      schema: {
        summary: 'Stats {totalSessions, totalReps, averageAccuracy, totalDuration} for today, this week, this month and all time',
        params: uidParams,
        querystring: tzQuery,
        response: { 200: looseAnswer('{timeZone, periods: {today, week, month, all}}', { timeZone: z.string() }), ...refusals },
      },
    },
    async (req: Req<z.output<typeof tzQuery>>) => summary(reads, req.params.uid, await zoneOf(req.params.uid, req.query.tz)),
  );

  app.get(
    '/progress',
    {
      schema: {
        summary: 'Reps per day and accuracy per exercise (an `other` session counts under its movement name) over the last days',
        params: uidParams,
        querystring: progressQuery,
        response: { 200: looseAnswer('{timeZone, days: [{date, start, reps, sessions}], accuracy: [{activity, points: [{timestamp, accuracy}]}]}', { timeZone: z.string(), days: z.array(z.unknown()), accuracy: z.array(z.unknown()) }), ...refusals },
      },
    },
    async (req: Req<z.output<typeof progressQuery>>) => progress(reads, req.params.uid, await zoneOf(req.params.uid, req.query.tz), req.query.days),
  );

  app.get(
    '/history',
    {
      schema: {
        summary: 'Sessions newest first, one page at a time',
        params: uidParams,
        querystring: historyQuery,
        response: { 200: looseAnswer('{sessions, next: cursor or null}', { sessions: z.array(storedSessionSchema), next: z.string().nullable() }), ...refusals },
      },
    },
    async (req: Req<z.output<typeof historyQuery>>) => historyPage(reads, req.params.uid, req.query.limit, req.query.before),
  );

  app.get(
    '/history/:sessionId',
    {
      schema: {
        summary: 'One session with the stores holding it and its motivational feedback',
        params: sessionParams,
        response: {
          200: z.object({ session: storedSessionSchema, stores: z.object({ firestore: z.boolean(), mysql: z.boolean() }), motivationalFeedback: z.string() }).describe('{session, stores: {firestore, mysql}, motivationalFeedback}'),
          ...refusals,
          404: notFound,
        },
      },
    },
    async (req: SessionReq) => {
      const { uid, sessionId } = req.params;
      const [session, inMysql] = await Promise.all([reads.get(uid, sessionId), deps.repositories.mysql.get(uid, sessionId)]);
      if (!session && !inMysql) throw new PhoneAppError('NOT_FOUND', `no session ${sessionId} for this person`);
      return {
        session: session ?? inMysql,
        stores: { firestore: Boolean(session), mysql: Boolean(inMysql) },
        motivationalFeedback: await deps.feedbackFor(uid, sessionId),
      };
    },
  );

  app.patch(
    '/history/:sessionId',
    {
      schema: {
        summary: 'Name the movement of a session recorded as `other` (kept in both stores)',
        params: sessionParams,
        body: movementBody,
        response: { 200: z.object({ success: z.literal(true), session: storedSessionSchema }).describe('{success, session}'), ...refusals, 404: notFound, 409: refusal('NOT_OTHER: the session has a known exercise') },
      },
    },
    async (req: SessionReq<z.output<typeof movementBody>>) => {
      const { uid, sessionId } = req.params;
      const { movement } = req.body;
      const session = await reads.get(uid, sessionId);
      if (!session) throw new PhoneAppError('NOT_FOUND', `no session ${sessionId} for this person`);
      if (session.exercise !== 'other') throw new PhoneAppError('NOT_OTHER', `this session is a ${session.exercise}: only a session recorded as "other" can be given a movement name`);
      // `exercise` stays "other" in both stores. Firestore (the primary record) first; a MySQL write
      // that fails is logged and put right by reconcile, which compares `movement` too.
      await phone.firestore.doc(sessionDocPath(uid, session.sessionId)).update({ movement });
      await setMysqlMovement(deps.pool, uid, session.sessionId, movement).catch((err: Error) =>
        deps.log.warn({ sessionId: session.sessionId, err: err.message }, 'movement name not written to MySQL: reconcile copies it from Firestore'),
      );
      live.updated(uid, { ...session, movement });
      return { success: true, session: { ...session, movement } };
    },
  );

  app.get(
    '/live',
    {
      schema: {
        summary: "Server-sent events: `ready`, then `session` {session, motivationalFeedback} for each session stored for the person, `deleted` {sessionId} and `updated` {session} when one of their phones deletes or names one; `: ping` every 20 s",
        params: uidParams,
        produces: ['text/event-stream'],
        response: { 200: notJson('the event stream'), ...refusals },
      },
    },
    async (req: Req, reply) => {
      reply.hijack();
      live.open(req.params.uid, reply.raw);
    },
  );

  app.get(
    '/export',
    {
      schema: {
        summary: "All the person's sessions as a download",
        params: uidParams,
        querystring: exportQuery,
        produces: ['application/json', 'text/csv'],
        response: {
          200: z
            .union([z.object({ exportedAt: z.string(), userId: z.string(), sessions: z.array(storedSessionSchema) }), z.string()])
            .describe('application/json {exportedAt, userId, sessions} or text/csv (one row per session)'),
          ...refusals,
        },
      },
    },
    async (req: Req<z.output<typeof exportQuery>>, reply) => {
      const { uid } = req.params;
      const { format } = req.query;
      const sessions = await reads.list(uid);
      const day = new Date().toISOString().slice(0, 10);
      reply.header('content-disposition', `attachment; filename="pose-coach-sessions-${day}.${format}"`).header('cache-control', 'no-store');
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(sessionsCsv(sessions));
      return reply.type('application/json; charset=utf-8').send({ exportedAt: new Date().toISOString(), userId: uid, sessions });
    },
  );

  app.delete(
    '',
    {
      schema: {
        summary: 'Delete everything of the person: unpair their mirrors, users/{uid} in Firestore with every collection under it, their MySQL profile (sessions and pairings by ON DELETE CASCADE)',
        params: uidParams,
        body: deleteBody,
        response: {
          200: z.object({ success: z.literal(true), deleted: looseAnswer('{mirrorsUnpaired, firestoreDocuments, mysqlSessions}') }).describe('{success, deleted: {mirrorsUnpaired, firestoreDocuments, mysqlSessions}}'),
          ...refusals,
          428: refusal('CONFIRMATION_REQUIRED: the body lacks the confirmation'),
        },
      },
      // A bad uid is a bad request like anywhere else; a body without the confirmation has its own answer.
      validatorCompiler: (ctx) => (ctx.httpPart === 'body' ? confirmationRequired(ctx) : badRequest(ctx)),
    },
    async (req: Req) => {
      const uid = req.params.uid;
      const deleted = await deleteAccount({ pool: deps.pool, firestore: phone.firestore, unpair: phone.unpair, log: deps.log }, uid);
      live.end(uid);
      return { success: true, deleted };
    },
  );
}
