/**
 * POST /api/workout/pose-summary — the original backend's call, same request and response.
 * The session goes through the same queue as a mirror's; the answer waits (briefly) for both
 * stores so it can carry the motivational feedback, as the original did.
 */
import type { FastifyInstance } from 'fastify';
import { parseStorable, poseSummaryRequestSchema, type PoseSummaryResponse } from '@pose-coach/protocol';
import { GatewayError } from '../../errors.ts';
import { requireSameUser, type ApiDeps } from '../buildApi.ts';
import { sessionIdForPost } from '../sessionIds.ts';
import type { EnqueueOutcome } from '../../ingest/ingestSession.ts';

export function registerPoseSummaryRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/api/workout/pose-summary', async (req, reply) => {
    deps.metrics.sessionsReceived.inc({ source: 'api' });
    const parsed = parseStorable(poseSummaryRequestSchema, req.body);
    if (!parsed.ok) {
      deps.metrics.sessionsRejected.inc({ reason: 'malformed' });
      throw new GatewayError('MALFORMED_SESSION', parsed.error);
    }
    const body = parsed.value;
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
    const alreadyStored = await deps.marker.isComplete(sessionId).catch(() => false);
    if (alreadyStored) listening.abort();
    const event = alreadyStored ? { motivationalFeedback: await deps.feedbackFor(body.user_id, sessionId) } : await stored;
    const response: PoseSummaryResponse = event
      ? { success: true, message: 'Workout session saved successfully', motivational_feedback: event.motivationalFeedback, session_id: sessionId }
      : { success: true, message: 'Workout session received; it will be saved shortly', motivational_feedback: deps.genericFeedback(), session_id: sessionId };
    return reply.status(event ? 200 : 202).send(response);
  });
}
