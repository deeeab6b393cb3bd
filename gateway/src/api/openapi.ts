/** The OpenAPI document served at /openapi.json, built from the protocol's zod schemas. */
import { z } from 'zod';
import { claimRequestSchema, FLEET_CONFIG_KEYS, fleetCommandRequestSchema, poseSummaryRequestSchema, releaseManifestSchema, sessionPayloadSchema } from '@pose-coach/protocol';
import { phoneAppPaths } from '../phoneApp/openapiPaths.ts';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const bearer = [{ firebaseIdToken: [] }];
const uidParam = { name: 'uid', in: 'path', required: true, schema: { type: 'string' } };
const readParams = [
  uidParam,
  { name: 'tz', in: 'query', schema: { type: 'string' }, description: "IANA time zone; default: the person's profile, else UTC" },
  { name: 'limit', in: 'query', schema: { type: 'integer', default: 500, maximum: 1000 }, description: 'sessions per page' },
  { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
];
const sessionList = {
  description: 'one page of sessions, newest first; nextCursor is null on the last page. source says which store answered (header x-pose-coach-source too); degraded says why when it is MySQL (Firestore down)',
  content: { 'application/json': { schema: { type: 'object', properties: { sessions: { type: 'array', items: json(sessionPayloadSchema) }, nextCursor: { type: ['string', 'null'] }, source: { enum: ['firestore', 'mysql'] }, degraded: { type: 'string' } } } } },
};
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
    '/pair/app.js': { get: { summary: "The pairing page's script (the Firebase JS SDK bundled)", responses: { '200': { description: 'text/javascript' } } } },
  };
}

const adminBearer = [{ fleetAdmin: [] }];
const idParam = (name: string, description?: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, ...(description ? { description } : {}) });
const jsonBody = (schema: unknown) => ({ required: true, content: { 'application/json': { schema } } });
const fleetRefusals = { '400': { description: 'BAD_REQUEST: the message names the field or key' }, '401': { description: 'ADMIN_REQUIRED' }, '404': { description: 'NOT_FOUND' }, '503': { description: 'FLEET_DISABLED: FLEET_ADMIN_TOKEN is not set' } };

/** The fleet (fleet/fleetRoutes.ts): a mirror's claim and downloads, the operators' page and API. */
function fleetPaths() {
  const configKeys = Object.fromEntries(Object.entries(FLEET_CONFIG_KEYS).map(([k, v]) => [k, { ...json(v.schema), description: v.description }]));
  return {
    '/fleet/claim': { post: { summary: "Mirror: trade the image's claim token for its own id and secret", requestBody: jsonBody(json(claimRequestSchema)), responses: { '200': { description: '{deviceId, secret}' }, '400': fleetRefusals['400'], '403': { description: 'claim_unknown | claim_revoked | claim_expired | claim_exhausted' } } } },
    '/fleet': { get: { summary: "The operators' page", responses: { '200': { description: 'text/html' } } } },
    '/fleet/app.js': { get: { summary: "The operators' page script", responses: { '200': { description: 'text/javascript' } } } },
    '/fleet/releases/{name}/bundle': { get: { summary: 'Mirror: the bundle of a release (HTTP Basic, its own credentials)', security: deviceBasic, parameters: [idParam('name')], responses: { '200': { description: 'application/octet-stream' }, '401': { description: 'DEVICE_AUTH_REQUIRED' }, '404': fleetRefusals['404'] } } },
    '/fleet/api/devices': { get: { summary: 'Every mirror: status, versions, last seen, outbox', security: adminBearer, parameters: [{ name: 'group', in: 'query', schema: { type: 'string' } }, { name: 'status', in: 'query', schema: { enum: ['online', 'offline', 'unknown'] } }], responses: { '200': { description: '{devices}' }, ...fleetRefusals } } },
    '/fleet/api/devices/{id}': {
      get: { summary: 'One mirror, its desired and reported config, recent commands', security: adminBearer, parameters: [idParam('id')], responses: { '200': { description: '{device, desired, reported, commands}' }, ...fleetRefusals } },
      patch: { summary: "A mirror's group, name, room (null clears)", security: adminBearer, parameters: [idParam('id')], requestBody: jsonBody({ type: 'object', properties: { group: { type: ['string', 'null'] }, name: { type: ['string', 'null'] }, room: { type: ['string', 'null'] } } }), responses: { '200': { description: '{device, desired}' }, ...fleetRefusals } },
    },
    '/fleet/api/devices/{id}/commands': { post: { summary: 'A command (diagnostics, end-session, restart-camera, restart-agent, unpair, update); waits for its ack or timeout', security: adminBearer, parameters: [idParam('id')], requestBody: jsonBody(json(fleetCommandRequestSchema)), responses: { '200': { description: '{command}' }, ...fleetRefusals } } },
    '/fleet/api/config': { get: { summary: 'Every layer of desired config', security: adminBearer, responses: { '200': { description: '{layers}' }, ...fleetRefusals } } },
    '/fleet/api/config/{scope}': {
      patch: {
        summary: 'Set (or with null remove) config keys on fleet | group:<name> | device:<id>; unknown keys and bad values are refused naming the key',
        security: adminBearer,
        parameters: [idParam('scope', 'fleet, group:<name> or device:<id>')],
        requestBody: jsonBody({ type: 'object', required: ['set'], properties: { set: { type: 'object', additionalProperties: false, properties: configKeys } } }),
        responses: { '200': { description: '{scope, version, layer}' }, ...fleetRefusals },
      },
    },
    '/fleet/api/claims': {
      get: { summary: 'Claim tokens', security: adminBearer, responses: { '200': { description: '{claims}' }, ...fleetRefusals } },
      post: { summary: 'A new claim token {maxUses, ttlS?, group?}', security: adminBearer, responses: { '201': { description: '{claimId, claimToken, …}' }, ...fleetRefusals } },
    },
    '/fleet/api/claims/{id}': { delete: { summary: 'Revoke a claim token', security: adminBearer, parameters: [idParam('id')], responses: { '200': { description: '{claimId, revoked}' }, ...fleetRefusals } } },
    '/fleet/api/releases': {
      get: { summary: 'Releases', security: adminBearer, responses: { '200': { description: '{releases}' }, ...fleetRefusals } },
      post: { summary: 'Add a signed release {manifest, bundle (base64)}', security: adminBearer, requestBody: jsonBody({ type: 'object', required: ['manifest', 'bundle'], properties: { manifest: json(releaseManifestSchema), bundle: { type: 'string', contentEncoding: 'base64' } } }), responses: { '201': { description: '{release}' }, ...fleetRefusals } },
    },
    '/fleet/api/rollouts': {
      get: { summary: 'Rollouts', security: adminBearer, responses: { '200': { description: '{rollouts}' }, ...fleetRefusals } },
      post: {
        summary: 'Start a staged rollout {release, group?, percent?, canary?, wave?, concurrency?, maxFailures?, maxFailureRate?}',
        security: adminBearer,
        responses: { '202': { description: '{rollout}' }, ...fleetRefusals },
      },
    },
    '/fleet/api/rollouts/{id}': { get: { summary: 'One rollout and its progress', security: adminBearer, parameters: [idParam('id')], responses: { '200': { description: '{rollout}' }, ...fleetRefusals } } },
    '/fleet/api/rollouts/{id}/{action}': {
      post: {
        summary: 'Pause, resume or abort a rollout',
        security: adminBearer,
        parameters: [idParam('id'), { name: 'action', in: 'path', required: true, schema: { type: 'string', enum: ['pause', 'resume', 'abort'] } }],
        responses: { '200': { description: '{rollout}' }, ...fleetRefusals },
      },
    },
  };
}

/** The embedded local sign-in (localAuth/): served only when AUTH_MODE resolves to local. */
function localAuthPaths() {
  const op = (summary: string, body: Record<string, unknown>) => ({
    post: { summary: `${summary} (local sign-in only; the Firebase Auth emulator's REST call)`, parameters: [{ name: 'key', in: 'query', schema: { type: 'string' }, description: 'any API key' }], requestBody: jsonBody({ type: 'object', properties: body }), responses: { '200': { description: 'as the Firebase Auth emulator answers' }, '400': { description: '{error: {code, message}}: INVALID_LOGIN_CREDENTIALS, EMAIL_EXISTS, WEAK_PASSWORD, INVALID_ID_TOKEN, …' } } },
  });
  const t = { type: 'string' };
  return {
    '/identitytoolkit.googleapis.com/v1/accounts:signUp': op('Create an account (email + password, or anonymous)', { email: t, password: t, displayName: t, returnSecureToken: { type: 'boolean' } }),
    '/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword': op('Sign in', { email: t, password: t, returnSecureToken: { type: 'boolean' } }),
    '/identitytoolkit.googleapis.com/v1/accounts:lookup': op('The account of an ID token', { idToken: t }),
    '/identitytoolkit.googleapis.com/v1/accounts:update': op('Change display name or password', { idToken: t, displayName: t, password: t, returnSecureToken: { type: 'boolean' } }),
    '/identitytoolkit.googleapis.com/v1/accounts:delete': op('Delete the account', { idToken: t }),
    '/securetoken.googleapis.com/v1/token': { post: { summary: 'Refresh an ID token (form: grant_type=refresh_token, refresh_token) (local sign-in only)', responses: { '200': { description: '{id_token, refresh_token, expires_in, user_id}' }, '400': { description: 'INVALID_REFRESH_TOKEN' } } } },
    '/local-auth/jwks.json': { get: { summary: "The local sign-in's public key set (local sign-in only)", responses: { '200': { description: 'JWK set' } } } },
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
        fleetAdmin: { type: 'http', scheme: 'bearer', description: 'FLEET_ADMIN_TOKEN' },
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
            '409': { description: 'SESSION_CONFLICT: session_id already stored for another person or mirror; nothing saved' },
            '410': { description: 'SESSION_DELETED: this session was deleted by its owner; not saved again' },
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
      ...fleetPaths(),
      ...localAuthPaths(),
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/healthz': { get: { summary: 'Each store (Firestore, MySQL, Redis) probed: 200 when all answer, 503 naming the one that does not', responses: { '200': { description: '{ok, stores}' }, '503': { description: '{ok: false, stores}' } } } },
      '/readyz': { get: { summary: 'Ready to accept sessions (Redis answers; a store that is down only delays its queue), with the same per-store report', responses: { '200': { description: '{ready, ok, stores}' }, '503': { description: 'Redis unreachable' } } } },
      ...phoneAppPaths(),
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition format' } } } },
    },
  };
}
