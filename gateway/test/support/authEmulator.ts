/**
 * A loopback stand-in for the Firebase Auth emulator: the REST calls the Firebase JS SDK makes for
 * email/password sign-in once `connectAuthEmulator(auth, url)` points it here
 *   POST {url}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=…
 *   POST {url}/identitytoolkit.googleapis.com/v1/accounts:lookup?key=…
 *   POST {url}/securetoken.googleapis.com/v1/token?key=…   (refresh, form-encoded)
 * with the emulator's response shapes, except that ID tokens are RS256 tokens signed by the test's
 * key set (firebaseTokens.ts), which the gateway under test trusts. Every request is recorded.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import type { TokenIssuer } from './firebaseTokens.ts';

export interface EmulatedAccount {
  uid: string;
  email: string;
  password: string;
  displayName?: string;
}

export interface AuthEmulator {
  /** What `connectAuthEmulator` takes. */
  url: string;
  addAccount(account: EmulatedAccount): void;
  /** Path (without query) of every request served, in order. */
  requests: string[];
  close(): Promise<void>;
}

type Signer = Pick<TokenIssuer, 'sign'>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** `issuer` is read when a token is signed, so the stand-in may start before the gateway it serves. */
export async function startAuthEmulator(issuer: () => Signer): Promise<AuthEmulator> {
  const byEmail = new Map<string, EmulatedAccount>();
  const refreshTokens = new Map<string, EmulatedAccount>();
  const requests: string[] = [];

  const idTokenFor = (a: EmulatedAccount) => issuer().sign(a.uid, { name: a.displayName, email: a.email });
  const newRefreshToken = (a: EmulatedAccount) => {
    const token = randomBytes(24).toString('base64url');
    refreshTokens.set(token, a);
    return token;
  };
  const userInfo = (a: EmulatedAccount) => ({
    localId: a.uid,
    email: a.email,
    displayName: a.displayName,
    emailVerified: false,
    providerUserInfo: [{ providerId: 'password', email: a.email, federatedId: a.email, rawId: a.email, displayName: a.displayName }],
    validSince: '0',
    lastLoginAt: String(Date.now()),
    createdAt: String(Date.now() - 86_400_000),
    lastRefreshAt: new Date().toISOString(),
  });
  const apiError = (status: number, message: string) => ({ status, body: { error: { code: status, message, errors: [{ message, reason: 'invalid', domain: 'global' }] } } });

  async function answer(path: string, body: string, contentType: string): Promise<{ status: number; body: unknown }> {
    const params: Record<string, unknown> = contentType.includes('json') ? (JSON.parse(body || '{}') as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
    switch (path) {
      case '/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword': {
        const a = byEmail.get(String(params.email ?? '').toLowerCase());
        if (!a || a.password !== params.password) return apiError(400, 'INVALID_LOGIN_CREDENTIALS');
        return {
          status: 200,
          body: { kind: 'identitytoolkit#VerifyPasswordResponse', registered: true, localId: a.uid, email: a.email, displayName: a.displayName ?? '', idToken: await idTokenFor(a), refreshToken: newRefreshToken(a), expiresIn: '3600' },
        };
      }
      case '/identitytoolkit.googleapis.com/v1/accounts:lookup': {
        let uid: string | undefined;
        try {
          uid = decodeJwt(String(params.idToken)).sub;
        } catch {
          return apiError(400, 'INVALID_ID_TOKEN');
        }
        const a = [...byEmail.values()].find((x) => x.uid === uid);
        if (!a) return apiError(400, 'USER_NOT_FOUND');
        return { status: 200, body: { kind: 'identitytoolkit#GetAccountInfoResponse', users: [userInfo(a)] } };
      }
      case '/securetoken.googleapis.com/v1/token': {
        const a = params.grant_type === 'refresh_token' ? refreshTokens.get(String(params.refresh_token)) : undefined;
        if (!a) return apiError(400, 'INVALID_REFRESH_TOKEN');
        const idToken = await idTokenFor(a);
        return { status: 200, body: { access_token: idToken, id_token: idToken, expires_in: '3600', token_type: 'Bearer', refresh_token: newRefreshToken(a), user_id: a.uid, project_id: 'stand-in' } };
      }
      default:
        return apiError(404, `NOT_IMPLEMENTED_BY_STAND_IN ${path}`);
    }
  }

  const server: Server = createServer((req, res) => {
    // The page is served by the gateway on another port: answer CORS preflights as the emulator does.
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    readBody(req)
      .then((body) => answer(path, body, String(req.headers['content-type'] ?? '')))
      .then(
        ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (err: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 500, message: err.message } })),
      );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    addAccount: (a) => byEmail.set(a.email.toLowerCase(), a),
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
