/**
 * The tests' Firebase Auth emulator: the gateway's own local sign-in routes
 * (src/localAuth/authEmulatorRoutes.ts, the REST calls the Firebase JS SDK makes after
 * `connectAuthEmulator`) served on a loopback port of their own, with accounts in memory and ID
 * tokens signed by the test's key set (firebaseTokens.ts), which the gateway under test trusts
 * through FIREBASE_JWKS_URL. Every call is recorded.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { createFirebaseTokenVerifier } from '../../src/api/firebaseAuth.ts';
import { openLocalAccounts, registerAuthEmulatorRoutes } from '../../src/localAuth/index.ts';
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
  /** Path (without query) of every call served, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** `issuer` is read when a token is signed, so the stand-in may start before the gateway it serves. */
export async function startAuthEmulator(issuer: () => Pick<TokenIssuer, 'sign' | 'jwksUrl' | 'projectId'>): Promise<AuthEmulator> {
  const accounts = openLocalAccounts(undefined);
  const requests: string[] = [];
  const app = Fastify();
  let verify: ReturnType<typeof createFirebaseTokenVerifier> | undefined;
  registerAuthEmulatorRoutes(app, {
    accounts,
    projectId: 'stand-in',
    signIdToken: (a) => issuer().sign(a.uid, { ...(a.displayName ? { name: a.displayName } : {}), ...(a.email ? { email: a.email } : {}) }),
    verifyIdToken: (token) => (verify ??= createFirebaseTokenVerifier({ projectId: issuer().projectId, jwksUrl: issuer().jwksUrl }))(token),
    onCall: (path) => requests.push(path),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    addAccount: (a) => void accounts.create({ uid: a.uid, email: a.email, password: a.password, ...(a.displayName ? { displayName: a.displayName } : {}) }),
    requests,
    close: () => app.close(),
  };
}
