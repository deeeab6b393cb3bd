/** The OpenAPI document served at /openapi.json, built from the protocol's zod schemas. */
import { z } from 'zod';
import { poseSummaryRequestSchema, sessionPayloadSchema } from '@pose-coach/protocol';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const bearer = [{ firebaseIdToken: [] }];
const uidParam = { name: 'uid', in: 'path', required: true, schema: { type: 'string' } };
const readParams = [
  uidParam,
  { name: 'tz', in: 'query', schema: { type: 'string' }, description: "IANA time zone; default: the person's profile, else UTC" },
  { name: 'limit', in: 'query', schema: { type: 'integer', default: 500 } },
];
const sessionList = { description: 'sessions, newest first', content: { 'application/json': { schema: { type: 'object', properties: { sessions: { type: 'array', items: json(sessionPayloadSchema) } } } } } };
const errors = { '400': { description: 'bad input: the message names the field' }, '401': { description: 'missing, invalid or expired ID token' }, '403': { description: "token of another user" } };

export function openApiDocument() {
  const readPath = (summary: string) => ({ get: { summary, security: bearer, parameters: readParams, responses: { '200': sessionList, ...errors } } });
  return {
    openapi: '3.1.0',
    info: { title: 'Pose Coach gateway API', version: '1.0.0' },
    components: { securitySchemes: { firebaseIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'Firebase ID token (JWT)' } } },
    paths: {
      '/api/workout/pose-summary': {
        post: {
          summary: 'Save a workout summary (idempotent by session_id, or by user, timestamp and exercise)',
          security: bearer,
          requestBody: { required: true, content: { 'application/json': { schema: json(poseSummaryRequestSchema) } } },
          responses: {
            '200': { description: 'saved in both stores: {success, message, motivational_feedback, session_id}' },
            '202': { description: 'queued; saved shortly' },
            ...errors,
          },
        },
      },
      '/api/users/{uid}/workout-sessions': {
        get: { ...readPath('All sessions, or one period with ?period=today|week|month').get, parameters: [...readParams, { name: 'period', in: 'query', schema: { enum: ['all', 'today', 'week', 'month'] } }] },
      },
      '/api/users/{uid}/workout-sessions/today': readPath("Today's sessions in the person's time zone"),
      '/api/users/{uid}/workout-sessions/week': readPath("This week's sessions (from Monday)"),
      '/api/users/{uid}/workout-sessions/month': readPath("This month's sessions"),
      '/api/users/{uid}/workout-sessions/stats': {
        get: { summary: 'totalSessions, totalReps, averageAccuracy, totalDuration (optionally for a period)', security: bearer, parameters: [...readParams, { name: 'period', in: 'query', schema: { enum: ['all', 'today', 'week', 'month'] } }], responses: { '200': { description: 'stats' }, ...errors } },
      },
      '/api/users/{uid}/workout-sessions/{sessionId}': {
        delete: { summary: 'Delete one session from Firestore and MySQL', security: bearer, parameters: [uidParam, { name: 'sessionId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'deleted' }, '404': { description: 'no such session' }, ...errors } },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition format' } } } },
    },
  };
}
