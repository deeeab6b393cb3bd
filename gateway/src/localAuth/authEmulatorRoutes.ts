/**
 * The REST calls the Firebase JS SDK makes once `connectAuthEmulator(auth, <gateway URL>)` points
 * it at us, answered with the Firebase Auth emulator's shapes (the emulator drops any path from
 * that URL, so these live at the root, as on the emulator):
 *   POST /identitytoolkit.googleapis.com/v1/accounts:signUp            email + password (or anonymous)
 *   POST /identitytoolkit.googleapis.com/v1/accounts:signInWithPassword
 *   POST /identitytoolkit.googleapis.com/v1/accounts:lookup            {idToken}
 *   POST /identitytoolkit.googleapis.com/v1/accounts:update            {idToken, displayName?, password?}
 *   POST /identitytoolkit.googleapis.com/v1/accounts:delete            {idToken}
 *   POST /securetoken.googleapis.com/v1/token                         refresh (form-encoded)
 * Errors are `{error: {code, message}}` with the SDK's message codes (INVALID_LOGIN_CREDENTIALS, …).
 * A fastify plugin, so the gateway mounts it and the tests' stand-in serves it on its own port.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CodedError } from '../errors.ts';
import { useZodSchemas } from '../api/routeSchemas.ts';
import type { LocalAccount, LocalAccounts } from './accounts.ts';

export interface AuthEmulatorRouteDeps {
  accounts: LocalAccounts;
  /** A fresh ID token for the account. */
  signIdToken(account: LocalAccount): Promise<string>;
  /** The uid of a valid ID token; throws otherwise. */
  verifyIdToken(token: string): Promise<{ uid: string }>;
  projectId: string;
  /** Told of every call (path without query), e.g. for tests. */
  onCall?(path: string): void;
}

export const IDENTITY_TOOLKIT_PREFIX = '/identitytoolkit.googleapis.com/v1/';
export const SECURE_TOKEN_PATH = '/securetoken.googleapis.com/v1/token';
const MIN_PASSWORD = 6; // what Firebase Auth asks for

/** A refusal in the emulator's words: its code (INVALID_EMAIL, …) opens the message the SDK reads. */
class AuthApiError extends CodedError {
  override name = 'AuthApiError';
  constructor(status: number, message: string) {
    super(message.split(' ')[0]!, status, message);
  }
}

const userInfo = (a: LocalAccount) => ({
  localId: a.uid,
  ...(a.email ? { email: a.email } : {}),
  ...(a.displayName ? { displayName: a.displayName } : {}),
  emailVerified: false,
  providerUserInfo: a.email ? [{ providerId: 'password', email: a.email, federatedId: a.email, rawId: a.email, ...(a.displayName ? { displayName: a.displayName } : {}) }] : [],
  ...(a.password ? { passwordHash: 'hidden', passwordUpdatedAt: a.createdAt } : {}),
  validSince: String(Math.floor(a.createdAt / 1000)),
  lastLoginAt: String(a.lastLoginAt),
  createdAt: String(a.createdAt),
  lastRefreshAt: new Date().toISOString(),
});

export function registerAuthEmulatorRoutes(app: FastifyInstance, deps: AuthEmulatorRouteDeps): void {
  const { accounts } = deps;

  const signedIn = async (a: LocalAccount, kind: string) => ({
    kind,
    localId: a.uid,
    email: a.email ?? '',
    displayName: a.displayName ?? '',
    idToken: await deps.signIdToken(a),
    refreshToken: accounts.newRefreshToken(a.uid),
    expiresIn: '3600',
  });
  const accountOf = async (idToken: unknown): Promise<LocalAccount> => {
    let uid: string;
    try {
      uid = (await deps.verifyIdToken(String(idToken ?? ''))).uid;
    } catch {
      throw new AuthApiError(400, 'INVALID_ID_TOKEN');
    }
    const a = accounts.byUid(uid);
    if (!a) throw new AuthApiError(400, 'USER_NOT_FOUND');
    return a;
  };
  const checkPassword = (password: unknown) => {
    if (typeof password !== 'string' || !password) throw new AuthApiError(400, 'MISSING_PASSWORD');
    if (password.length < MIN_PASSWORD) throw new AuthApiError(400, `WEAK_PASSWORD : Password should be at least ${MIN_PASSWORD} characters`);
  };

  const operations: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    async signUp(b) {
      if (b.email === undefined && b.password === undefined) {
        const a = accounts.create({ ...(typeof b.displayName === 'string' ? { displayName: b.displayName } : {}) })!;
        return signedIn(a, 'identitytoolkit#SignupNewUserResponse');
      }
      if (typeof b.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(b.email)) throw new AuthApiError(400, 'INVALID_EMAIL');
      checkPassword(b.password);
      const a = accounts.create({ email: b.email, password: String(b.password), ...(typeof b.displayName === 'string' ? { displayName: b.displayName } : {}) });
      if (!a) throw new AuthApiError(400, 'EMAIL_EXISTS');
      return signedIn(a, 'identitytoolkit#SignupNewUserResponse');
    },
    async signInWithPassword(b) {
      const a = typeof b.email === 'string' && typeof b.password === 'string' ? accounts.verifyPassword(b.email, b.password) : undefined;
      if (!a) throw new AuthApiError(400, 'INVALID_LOGIN_CREDENTIALS');
      return { ...(await signedIn(a, 'identitytoolkit#VerifyPasswordResponse')), registered: true };
    },
    async lookup(b) {
      const a = await accountOf(b.idToken);
      return { kind: 'identitytoolkit#GetAccountInfoResponse', users: [userInfo(a)] };
    },
    async update(b) {
      const a = await accountOf(b.idToken);
      if (b.password !== undefined) checkPassword(b.password);
      const deleted = Array.isArray(b.deleteAttribute) && b.deleteAttribute.includes('DISPLAY_NAME');
      const updated = accounts.update(a.uid, {
        ...(deleted ? { displayName: null } : typeof b.displayName === 'string' ? { displayName: b.displayName } : {}),
        ...(typeof b.password === 'string' ? { password: b.password } : {}),
      })!;
      // New tokens carry the new name; the SDK takes them when returnSecureToken was asked for.
      return { kind: 'identitytoolkit#SetAccountInfoResponse', ...userInfo(updated), ...(b.returnSecureToken ? await signedIn(updated, 'identitytoolkit#SetAccountInfoResponse') : {}) };
    },
    async delete(b) {
      const a = await accountOf(b.idToken);
      accounts.delete(a.uid);
      return { kind: 'identitytoolkit#DeleteAccountResponse' };
    },
  };

  const cors = (req: FastifyRequest, reply: FastifyReply) => {
    // The phone page may be served from another origin (a phone app's dev server): answer as the emulator does.
    reply.header('access-control-allow-origin', req.headers.origin ?? '*');
    reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
    reply.header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type');
    reply.header('cache-control', 'no-store');
  };
  const answer = async (req: FastifyRequest, reply: FastifyReply, run: () => Promise<unknown>) => {
    cors(req, reply);
    deps.onCall?.(req.url.split('?')[0]!);
    try {
      return await run();
    } catch (err) {
      const status = err instanceof AuthApiError ? err.status : 500;
      const message = err instanceof AuthApiError ? err.message : 'INTERNAL_ERROR';
      if (status === 500) req.log.error({ err: (err as Error).message }, 'local sign-in failed');
      return reply.status(status).send({ error: { code: status, message, errors: [{ message, reason: 'invalid', domain: 'global' }] } });
    }
  };

  app.register(async (scope) => {
    // The routes declare zod schemas: checked and documented the gateway's way, wherever this is mounted.
    useZodSchemas(scope);
    // The SDK posts the token refresh form-encoded.
    if (!scope.hasContentTypeParser('application/x-www-form-urlencoded')) {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
    }
    const preflight = (req: FastifyRequest, reply: FastifyReply) => (cors(req, reply), reply.status(204).send());
    const hidden = { schema: { hide: true } }; // CORS preflights: not operations of their own
    scope.options(`${IDENTITY_TOOLKIT_PREFIX}*`, hidden, preflight);
    scope.options(SECURE_TOKEN_PATH, hidden, preflight);

    // Bodies are read by each operation in the emulator's own way (unknown fields ignored), not refused by a schema.
    const emulatorError = z.object({ error: z.object({ code: z.number(), message: z.string() }).loose() }).describe('{error: {code, message}}: INVALID_LOGIN_CREDENTIALS, EMAIL_EXISTS, WEAK_PASSWORD, INVALID_ID_TOKEN, OPERATION_NOT_ALLOWED, …');
    const operationsSchema = {
      summary: `The Firebase Auth emulator's REST calls (local sign-in only): accounts:${Object.keys(operations).join(', accounts:')}`,
      response: { 200: z.looseObject({}).describe('as the Firebase Auth emulator answers'), 400: emulatorError },
    };
    scope.post(`${IDENTITY_TOOLKIT_PREFIX}*`, { schema: operationsSchema }, (req, reply) =>
      answer(req, reply, async () => {
        const op = /accounts:([A-Za-z]+)$/.exec(req.url.split('?')[0]!)?.[1];
        const handler = op ? operations[op] : undefined;
        if (!handler) throw new AuthApiError(400, `OPERATION_NOT_ALLOWED : the local sign-in does not offer ${req.url.split('?')[0]}`);
        return handler((req.body ?? {}) as Record<string, unknown>);
      }),
    );
    const refreshSchema = {
      summary: 'Refresh an ID token (form: grant_type=refresh_token, refresh_token) (local sign-in only)',
      response: { 200: z.looseObject({ id_token: z.string(), refresh_token: z.string(), expires_in: z.string(), user_id: z.string() }).describe('{id_token, refresh_token, expires_in, user_id}'), 400: emulatorError },
    };
    scope.post(SECURE_TOKEN_PATH, { schema: refreshSchema }, (req, reply) =>
      answer(req, reply, async () => {
        const b = (req.body ?? {}) as Record<string, unknown>;
        const a = b.grant_type === 'refresh_token' && typeof b.refresh_token === 'string' ? accounts.redeemRefreshToken(b.refresh_token) : undefined;
        if (!a) throw new AuthApiError(400, 'INVALID_REFRESH_TOKEN');
        const idToken = await deps.signIdToken(a);
        return { access_token: idToken, id_token: idToken, expires_in: '3600', token_type: 'Bearer', refresh_token: b.refresh_token, user_id: a.uid, project_id: deps.projectId };
      }),
    );
  });
}
