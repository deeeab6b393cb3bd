/**
 * The phone app (gateway/phone-app): its files and Firebase settings under /app/, and the calls it
 * makes beyond the session routes, each behind the person's ID token and only for their own uid:
 *   GET    /api/users/{uid}/mirrors                     mirrors paired with them
 *   GET    /api/users/{uid}/summary?tz=                 stats for today, week, month, all time
 *   GET    /api/users/{uid}/progress?tz=&days=          reps per day, accuracy per exercise
 *   GET    /api/users/{uid}/history?limit=&before=      sessions newest first, a page at a time
 *   GET    /api/users/{uid}/history/{sessionId}         one session, where it is stored, its feedback
 *   PATCH  /api/users/{uid}/history/{sessionId}         {movement}: name what an `other` session was
 *   GET    /api/users/{uid}/live                        server-sent events: each new session
 *   GET    /api/users/{uid}/export?format=json|csv      all their sessions, as a download
 *   DELETE /api/users/{uid}  {confirm}                  everything of theirs, in every store
 * Deleting one session and unpairing a mirror use the existing routes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Firestore } from 'firebase-admin/firestore';
import { Gauge } from 'prom-client';
import { z } from 'zod';
import { getProfile } from '@pose-coach/cloud-sync';
import { describeIssues, sessionDocPath, sessionPayloadSchema } from '@pose-coach/protocol';
import { requireSameUser, type ApiDeps } from '../buildApi.ts';
import type { PhonePageSettings } from '../../pairing/phonePage.ts';
import { createAppFiles } from '../../phoneApp/appFiles.ts';
import { createLiveSessions } from '../../phoneApp/liveSessions.ts';
import { DELETE_ACCOUNT_CONFIRMATION, deleteAccount, pairedMirrors } from '../../phoneApp/personAccount.ts';
import { PhoneAppError } from '../../phoneApp/phoneAppErrors.ts';
import { checkTimeZone, historyPage, progress, sessionsCsv, summary } from '../../phoneApp/sessionViews.ts';

export interface PhoneAppDeps {
  /** Folder of the built app (`npm run app:build`). */
  dir: string;
  /** The Firebase web settings the app signs in with (the pairing page's). */
  settings: PhonePageSettings;
  firestore: Firestore;
  /** Ends the pairing of one of the person's mirrors, telling the mirror. */
  unpair(deviceId: string, uid: string): Promise<void>;
}

type UidParams = { Params: { uid: string } };
type SessionParams = { Params: { uid: string; sessionId: string } };

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw new PhoneAppError('BAD_REQUEST', describeIssues(r.error));
  return r.data;
}

const tzQuery = z.object({ tz: z.string().max(64).optional() });
const progressQuery = tzQuery.extend({ days: z.coerce.number().int().min(1).max(366).default(30) });
const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), before: z.string().max(40).optional() });
const exportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
const movementBody = z.object({ movement: sessionPayloadSchema.shape.movement.unwrap() });
const deleteBody = z.object({ confirm: z.literal(DELETE_ACCOUNT_CONFIRMATION, `must be "${DELETE_ACCOUNT_CONFIRMATION}"`) });

export function registerPhoneAppRoutes(app: FastifyInstance, deps: ApiDeps, phone: PhoneAppDeps): void {
  const reads = deps.repositories.firestore;
  const files = createAppFiles(phone.dir);
  const live = createLiveSessions({ events: deps.events, reads, log: deps.log.child({ part: 'phone-live' }) });
  // Open event streams would keep the server from closing.
  app.addHook('preClose', async () => live.close());
  const LIVE_GAUGE = 'pose_coach_phone_live_streams';
  if (!deps.metrics.registry.getSingleMetric(LIVE_GAUGE)) {
    new Gauge({ name: LIVE_GAUGE, help: 'Phones with the live event stream open', registers: [deps.metrics.registry], collect() { this.set(live.count()); } });
  }

  // A session deleted through the session routes (registered elsewhere): the person's other phones drop it.
  app.addHook('onResponse', async (req, reply) => {
    if (req.method !== 'DELETE' || reply.statusCode !== 200 || req.routeOptions.url !== '/api/users/:uid/workout-sessions/:sessionId') return;
    const { uid, sessionId } = req.params as { uid: string; sessionId: string };
    live.removed(uid, sessionId);
  });

  const own = (req: FastifyRequest<UidParams>) => {
    requireSameUser(req.user!, req.params.uid);
    return req.params.uid;
  };
  /** The zone days are counted in: the phone's, else the person's profile, else UTC. */
  const zoneOf = async (uid: string, tz?: string) => checkTimeZone(tz ?? (await getProfile(deps.pool, uid).catch(() => undefined))?.timeZone ?? 'UTC');

  app.get('/app', async (_req, reply) => reply.redirect('/app/', 301));
  app.get('/app/config.json', async (_req, reply) => reply.header('cache-control', 'no-cache').send(phone.settings));
  app.get('/app/*', async (req: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const file = await files.get(req.params['*']);
    return reply.type(file.type).header('cache-control', file.cacheControl).send(file.body);
  });

  const base = '/api/users/:uid';

  app.get(`${base}/mirrors`, async (req: FastifyRequest<UidParams>) => ({ mirrors: await pairedMirrors(deps.pool, own(req)) }));

  app.get(`${base}/summary`, async (req: FastifyRequest<UidParams>) => {
    const uid = own(req);
    return summary(reads, uid, await zoneOf(uid, parse(tzQuery, req.query).tz));
  });

  app.get(`${base}/progress`, async (req: FastifyRequest<UidParams>) => {
    const uid = own(req);
    const q = parse(progressQuery, req.query);
    return progress(reads, uid, await zoneOf(uid, q.tz), q.days);
  });

  app.get(`${base}/history`, async (req: FastifyRequest<UidParams>) => {
    const uid = own(req);
    const q = parse(historyQuery, req.query);
    return historyPage(reads, uid, q.limit, q.before);
  });

  app.get(`${base}/history/:sessionId`, async (req: FastifyRequest<SessionParams>) => {
    const uid = own(req);
    const { sessionId } = req.params;
    const [session, inMysql] = await Promise.all([reads.get(uid, sessionId), deps.repositories.mysql.get(uid, sessionId)]);
    if (!session && !inMysql) throw new PhoneAppError('NOT_FOUND', `no session ${sessionId} for this person`);
    return {
      session: session ?? inMysql,
      stores: { firestore: Boolean(session), mysql: Boolean(inMysql) },
      motivationalFeedback: await deps.feedbackFor(uid, sessionId),
    };
  });

  app.patch(`${base}/history/:sessionId`, async (req: FastifyRequest<SessionParams>) => {
    const uid = own(req);
    const { movement } = parse(movementBody, req.body);
    const session = await reads.get(uid, req.params.sessionId);
    if (!session) throw new PhoneAppError('NOT_FOUND', `no session ${req.params.sessionId} for this person`);
    if (session.exercise !== 'other') throw new PhoneAppError('NOT_OTHER', `this session is a ${session.exercise}: only a session recorded as "other" can be given a movement name`);
    // Firestore only: the MySQL table keeps the original backend's columns, and `exercise` stays "other" in both.
    await phone.firestore.doc(sessionDocPath(uid, session.sessionId)).update({ movement });
    live.updated(uid, { ...session, movement });
    return { success: true, session: { ...session, movement } };
  });

  app.get(`${base}/live`, async (req: FastifyRequest<UidParams>, reply) => {
    const uid = own(req);
    reply.hijack();
    live.open(uid, reply.raw);
  });

  app.get(`${base}/export`, async (req: FastifyRequest<UidParams>, reply) => {
    const uid = own(req);
    const { format } = parse(exportQuery, req.query);
    const sessions = await reads.list(uid);
    const day = new Date().toISOString().slice(0, 10);
    reply.header('content-disposition', `attachment; filename="pose-coach-sessions-${day}.${format}"`).header('cache-control', 'no-store');
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(sessionsCsv(sessions));
    return reply.type('application/json; charset=utf-8').send({ exportedAt: new Date().toISOString(), userId: uid, sessions });
  });

  app.delete(base, async (req: FastifyRequest<UidParams>) => {
    const uid = own(req);
    const body = deleteBody.safeParse(req.body ?? {});
    if (!body.success) throw new PhoneAppError('CONFIRMATION_REQUIRED', `deleting everything needs {"confirm": "${DELETE_ACCOUNT_CONFIRMATION}"} in the body`);
    const deleted = await deleteAccount({ pool: deps.pool, firestore: phone.firestore, unpair: phone.unpair, log: deps.log }, uid);
    live.end(uid);
    return { success: true, deleted };
  });
}
