/** The OpenAPI document served at /openapi.json, built from the protocol's zod schemas. */
import { z } from 'zod';
import { poseSummaryRequestSchema, sessionPayloadSchema } from '@pose-coach/protocol';
import { phoneAppPaths } from '../phoneApp/openapiPaths.ts';

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

const deviceBasic = [{ deviceBasic: [] }];
const userCodeBody = { required: true, content: { 'application/json': { schema: { type: 'object', required: ['user_code'], properties: { user_code: { type: 'string', example: 'BCDF-GHJK' } } } } } };
const codeRefusals = {
  '400': { description: 'MALFORMED_CODE: not 8 letters of BCDFGHJKLMNPQRSTVWXZ' },
  '404': { description: 'UNKNOWN_CODE: no mirror shows this code' },
  '409': { description: 'CODE_USED (already used or declined) or CODE_BUSY (being claimed)' },
  '410': { description: 'CODE_EXPIRED' },
  '429': { description: 'TOO_MANY_ATTEMPTS: wrong codes from this address or account, or this code tried too often (Retry-After)' },
};

/** QR pairing (RFC 8628 device authorization grant): the mirror's calls, the phone's calls, the page. */
function pairingPaths() {
  const form = (props: Record<string, unknown>, required: string[]) => ({
    required: true,
    content: Object.fromEntries(['application/x-www-form-urlencoded', 'application/json'].map((t) => [t, { schema: { type: 'object', required, properties: props } }])),
  });
  return {
    '/device/pairing/authorize': {
      post: {
        summary: 'Mirror: ask for a pairing (RFC 8628 §3.1); HTTP Basic with the MQTT device id and secret',
        security: deviceBasic,
        responses: { '200': { description: '{device_code, user_code, verification_uri, verification_uri_complete, expires_in, interval} (§3.2)' }, '401': { description: 'invalid_client' } },
      },
    },
    '/device/pairing/token': {
      post: {
        summary: 'Mirror: poll with the device code (§3.4)',
        security: deviceBasic,
        requestBody: form({ grant_type: { const: 'urn:ietf:params:oauth:grant-type:device_code' }, device_code: { type: 'string' } }, ['grant_type', 'device_code']),
        responses: {
          '200': { description: '{paired: true, display_name, pairing_id}' },
          '400': { description: '{error}: authorization_pending | slow_down (interval raised by 5 s) | access_denied | expired_token | invalid_grant | unsupported_grant_type (§3.5)' },
          '401': { description: 'invalid_client' },
        },
      },
    },
    '/device/pairing': { delete: { summary: 'Mirror: unpair (after the person confirmed on the glass)', security: deviceBasic, responses: { '200': { description: 'unpaired' }, '404': { description: 'NOT_PAIRED' } } } },
    '/api/pairing/lookup': { post: { summary: 'Phone: which mirror a code belongs to, and the name it would greet', security: bearer, requestBody: userCodeBody, responses: { '200': { description: '{deviceId, name, room, displayName}' }, ...codeRefusals, '401': errors['401'] } } },
    '/api/pairing/claim': { post: { summary: "Phone: pair the code's mirror with the token's person", security: bearer, requestBody: userCodeBody, responses: { '200': { description: '{deviceId, name, room, displayName, pairingId}' }, ...codeRefusals, '401': errors['401'] } } },
    '/api/pairing/deny': { post: { summary: 'Phone: decline; the mirror hears access_denied', security: bearer, requestBody: userCodeBody, responses: { '200': { description: 'declined' }, ...codeRefusals } } },
    '/api/pairing/devices/{deviceId}': {
      delete: { summary: 'Phone: unpair a mirror paired with the caller', security: bearer, parameters: [{ name: 'deviceId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'unpaired' }, '403': { description: 'NOT_YOUR_MIRROR' }, '404': { description: 'NOT_PAIRED' } } },
    },
    '/pair': { get: { summary: 'The phone pairing page (verification_uri); ?code=XXXX-XXXX is verification_uri_complete', responses: { '200': { description: 'text/html' } } } },
  };
}

export function openApiDocument() {
  const readPath = (summary: string) => ({ get: { summary, security: bearer, parameters: readParams, responses: { '200': sessionList, ...errors } } });
  return {
    openapi: '3.1.0',
    info: { title: 'Pose Coach gateway API', version: '1.0.0' },
    components: {
      securitySchemes: {
        firebaseIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'Firebase ID token (JWT)' },
        deviceBasic: { type: 'http', scheme: 'basic', description: 'the mirror: its MQTT device id and secret' },
      },
    },
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
      ...pairingPaths(),
      ...phoneAppPaths(),
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition format' } } } },
    },
  };
}
