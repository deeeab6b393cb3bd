/**
 * POST /api/workout/pose-summary — the original backend's call, same request and response.
 * The session goes through the same queue as a mirror's; the answer waits (briefly) for both
 * stores so it can carry the motivational feedback, as the original did.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { poseSummaryRequestSchema, poseSummaryResponseSchema, type PoseSummaryRequest, type PoseSummaryResponse } from '@pose-coach/protocol';
import { GatewayError } from '../../errors.ts';
import { requireSameUser, type ApiDeps } from '../buildApi.ts';
import { sessionIdForPost } from '../sessionIds.ts';
import type { EnqueueOutcome } from '../../ingest/ingestSession.ts';
import { refusal, storableCheck, zodValidation } from '../routeSchemas.ts';

const schema = {
  summary: 'Save a workout summary (idempotent by session_id, or by user, timestamp and exercise)',
  body: poseSummaryRequestSchema,
  response: {
    200: poseSummaryResponseSchema.describe('saved in both stores: {success, message, motivational_feedback, session_id}'),
    202: poseSummaryResponseSchema.describe('queued; saved shortly'),
    400: refusal('MALFORMED_SESSION: the message names the field'),
    401: refusal('MISSING_TOKEN or INVALID_TOKEN'),
    403: refusal("FOREIGN_USER: user_id is not the token's person"),
    409: refusal('SESSION_CONFLICT: session_id already stored for another person or mirror; nothing saved'),
    410: refusal('SESSION_DELETED: this session was deleted by its owner; not saved again'),
    503: refusal('STORE_UNAVAILABLE: could not be queued; nothing saved, try again'),
  },
};

export async function poseSummaryRoute(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  // Checked as a mirror's session is (storable text first), and counted as received and rejected like one.
  const malformed = zodValidation((message) => {
    deps.metrics.sessionsRejected.inc({ reason: 'malformed' });
    return new GatewayError('MALFORMED_SESSION', message);
  }, storableCheck);
  const received = async () => void deps.metrics.sessionsReceived.inc({ source: 'api' });

  app.post('/workout/pose-summary', { schema, validatorCompiler: malformed, preValidation: received }, async (req: FastifyRequest<{ Body: PoseSummaryRequest }>, reply) => {
    const body = req.body;
    requireSameUser(req.user!, body.user_id);
    const sessionId = body.session_id ?? sessionIdForPost(body.user_id, body.timestamp, body.exercise);
    // Listen before queueing, so a write finished at once is not missed; stop listening when not needed.
    const listening = new AbortController();
    const stored = deps.events.waitFor(sessionId, deps.apiWaitMs, listening.signal);
    let outcome: EnqueueOutcome;
    try {
      outcome = await deps.ingest.enqueue(
        {
          sessionId,
          userId: body.user_id,
          exercise: body.exercise,
          reps: body.reps,
          accuracy: body.accuracy,
          timestamp: body.timestamp,
          duration: body.duration,
          feedbackPoints: body.feedback_points,
        },
        'api',
      );
    } catch (err) {
      listening.abort();
      req.log.error({ err: (err as Error).message, sessionId }, 'session could not be queued');
      throw new GatewayError('STORE_UNAVAILABLE', 'the session could not be queued right now; nothing was saved, try again shortly');
    }
    if (outcome.kind !== 'queued') {
      listening.abort();
      const code = outcome.kind === 'conflict' ? 'SESSION_CONFLICT' : outcome.kind === 'deleted' ? 'SESSION_DELETED' : 'MALFORMED_SESSION';
      throw new GatewayError(code, outcome.error);
    }
    // A re-post of a session already in both stores queues nothing new: answer from what is stored.
    const alreadyStored = await deps.marker.isComplete(sessionId).catch((err: Error) => {
      req.log.warn({ err: err.message, sessionId }, 'stored-marker check failed: waiting for the stores instead');
      return false;
    });
    if (alreadyStored) listening.abort();
    const event = alreadyStored ? { motivationalFeedback: await deps.feedbackFor(body.user_id, sessionId) } : await stored;
    const response: PoseSummaryResponse = event
      ? { success: true, message: 'Workout session saved successfully', motivational_feedback: event.motivationalFeedback, session_id: sessionId }
      : { success: true, message: 'Workout session received; it will be saved shortly', motivational_feedback: deps.genericFeedback(), session_id: sessionId };
    return reply.status(event ? 200 : 202).send(response);
  });
}
