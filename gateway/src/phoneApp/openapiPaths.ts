/** The phone app's routes in /openapi.json (merged into the API's document). */
import { DELETE_ACCOUNT_CONFIRMATION } from './personAccount.ts';

const bearer = [{ firebaseIdToken: [] }];
const uid = { name: 'uid', in: 'path', required: true, schema: { type: 'string' } };
const sessionId = { name: 'sessionId', in: 'path', required: true, schema: { type: 'string' } };
const tz = { name: 'tz', in: 'query', schema: { type: 'string' }, description: "IANA time zone days are counted in; default: the person's profile, else UTC" };
const refusals = {
  '400': { description: 'BAD_REQUEST: the message names the parameter' },
  '401': { description: 'missing, invalid or expired ID token' },
  '403': { description: "FOREIGN_USER: a token of another person" },
};
const ok = (description: string) => ({ '200': { description } });

export function phoneAppPaths() {
  return {
    '/app': { get: { summary: 'Redirects to /app/', responses: { '301': { description: 'Location: /app/' } } } },
    '/app/': { get: { summary: 'The phone app (installable web app; any path under /app/ is the app or one of its files)', responses: { '200': { description: 'text/html' }, '503': { description: 'APP_NOT_BUILT: run npm run app:build' } } } },
    '/app/config.json': { get: { summary: "The phone app's Firebase web settings: {apiKey, authDomain, projectId, authEmulatorUrl?}", responses: ok('settings') } },
    '/api/users/{uid}': {
      delete: {
        summary: 'Delete everything of the person: unpair their mirrors, users/{uid} in Firestore with every collection under it, their MySQL profile (sessions and pairings by ON DELETE CASCADE)',
        security: bearer,
        parameters: [uid],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['confirm'], properties: { confirm: { const: DELETE_ACCOUNT_CONFIRMATION } } } } } },
        responses: { ...ok('{success, deleted: {mirrorsUnpaired, firestoreDocuments, mysqlSessions}}'), ...refusals, '428': { description: 'CONFIRMATION_REQUIRED: the body lacks the confirmation' } },
      },
    },
    '/api/users/{uid}/mirrors': { get: { summary: 'Mirrors paired with the person: [{deviceId, name, room, pairedAt}]', security: bearer, parameters: [uid], responses: { ...ok('{mirrors}'), ...refusals } } },
    '/api/users/{uid}/summary': {
      get: { summary: 'Stats {totalSessions, totalReps, averageAccuracy, totalDuration} for today, this week, this month and all time', security: bearer, parameters: [uid, tz], responses: { ...ok('{timeZone, periods: {today, week, month, all}}'), ...refusals } },
    },
    '/api/users/{uid}/progress': {
      get: {
        summary: 'Reps per day and accuracy per exercise (an `other` session counts under its movement name) over the last days',
        security: bearer,
        parameters: [uid, tz, { name: 'days', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 366, default: 30 } }],
        responses: { ...ok('{timeZone, days: [{date, start, reps, sessions}], accuracy: [{activity, points: [{timestamp, accuracy}]}]}'), ...refusals },
      },
    },
    '/api/users/{uid}/history': {
      get: {
        summary: 'Sessions newest first, one page at a time',
        security: bearer,
        parameters: [uid, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }, { name: 'before', in: 'query', schema: { type: 'string' }, description: 'the `next` of the previous page' }],
        responses: { ...ok('{sessions, next: cursor or null}'), ...refusals },
      },
    },
    '/api/users/{uid}/history/{sessionId}': {
      get: { summary: 'One session with the stores holding it and its motivational feedback', security: bearer, parameters: [uid, sessionId], responses: { ...ok('{session, stores: {firestore, mysql}, motivationalFeedback}'), ...refusals, '404': { description: 'NOT_FOUND' } } },
      patch: {
        summary: 'Name the movement of a session recorded as `other` (kept in Firestore)',
        security: bearer,
        parameters: [uid, sessionId],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['movement'], properties: { movement: { type: 'string', minLength: 1, maxLength: 60 } } } } } },
        responses: { ...ok('{success, session}'), ...refusals, '404': { description: 'NOT_FOUND' }, '409': { description: 'NOT_OTHER: the session has a known exercise' } },
      },
    },
    '/api/users/{uid}/live': {
      get: { summary: "Server-sent events: `ready`, then `session` {session, motivationalFeedback} for each session stored for the person, `deleted` {sessionId} and `updated` {session} when one of their phones deletes or names one; `: ping` every 20 s", security: bearer, parameters: [uid], responses: { '200': { description: 'text/event-stream' }, ...refusals } },
    },
    '/api/users/{uid}/export': {
      get: {
        summary: 'All the person\'s sessions as a download',
        security: bearer,
        parameters: [uid, { name: 'format', in: 'query', schema: { enum: ['json', 'csv'], default: 'json' } }],
        responses: { '200': { description: 'application/json {exportedAt, userId, sessions} or text/csv (one row per session)' }, ...refusals },
      },
    },
  };
}
