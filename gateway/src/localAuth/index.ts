/**
 * The embedded local sign-in: what `npm start` uses when no real Firebase project is configured.
 * It speaks the Firebase Auth emulator's REST protocol on the gateway's own HTTP port (so a page
 * calls `connectAuthEmulator(auth, <gateway URL>)` and the Firebase JS SDK works unchanged), signs
 * Firebase-shaped RS256 ID tokens with a key kept under the data dir, and gives the gateway's
 * verifier that key set (also served at GET /local-auth/jwks.json).
 *
 *   const auth = await createLocalAuth({ dataDir, projectId });
 *   auth.register(app);                 // the emulator routes + the key set
 *   await auth.signIdToken('demo-user') // what `pose-coach dev token` prints
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GatewayConfig } from '../config.ts';
import { createFirebaseTokenVerifier } from '../api/firebaseAuth.ts';
import { openLocalAccounts } from './accounts.ts';
import { registerAuthEmulatorRoutes } from './authEmulatorRoutes.ts';
import { signIdToken, type IdTokenClaims } from './idToken.ts';
import { loadOrCreateSigningKey, localAuthDir } from './signingKey.ts';

export const LOCAL_AUTH_JWKS_PATH = '/local-auth/jwks.json';

export interface LocalAuthOptions {
  /** The gateway's data dir: key and accounts live in `<dataDir>/local-auth/`. */
  dataDir: string;
  projectId: string;
}

export async function createLocalAuth(opts: LocalAuthOptions) {
  const key = await loadOrCreateSigningKey(opts.dataDir);
  const accounts = openLocalAccounts(localAuthDir(opts.dataDir));
  const verifyIdToken = createFirebaseTokenVerifier({ projectId: opts.projectId, jwks: key.jwks });
  const sign = (uid: string, claims: Omit<IdTokenClaims, 'projectId' | 'uid'> = {}) => signIdToken(key.privateKey, key.kid, { projectId: opts.projectId, uid, ...claims });

  return {
    jwks: key.jwks,
    accounts,
    verifyIdToken,
    /** An ID token for `uid` (an account or not: the gateway only checks the signature and claims). */
    signIdToken(uid: string, claims: Omit<IdTokenClaims, 'projectId' | 'uid'> = {}): Promise<string> {
      const a = accounts.byUid(uid);
      return sign(uid, { ...(a?.displayName ? { name: a.displayName } : {}), ...(a?.email ? { email: a.email } : {}), ...claims });
    },
    register(app: FastifyInstance): void {
      registerAuthEmulatorRoutes(app, {
        accounts,
        projectId: opts.projectId,
        verifyIdToken,
        signIdToken: (a) => sign(a.uid, { ...(a.displayName ? { name: a.displayName } : {}), ...(a.email ? { email: a.email } : {}) }),
      });
      app.get(LOCAL_AUTH_JWKS_PATH, { schema: { summary: "The local sign-in's public key set (local sign-in only)", response: { 200: z.looseObject({ keys: z.array(z.unknown()) }).describe('JWK set') } } }, async () => key.jwks);
    },
  };
}

export type LocalAuth = Awaited<ReturnType<typeof createLocalAuth>>;

export type AuthMode = 'local' | 'firebase';

/**
 * Which sign-in the gateway trusts. AUTH_MODE=auto (the default) is `local` unless anything of a
 * real Firebase project is configured: Google credentials, a web API key, an Auth emulator, or
 * an ID-token key set of its own.
 */
export function resolveAuthMode(config: Pick<GatewayConfig, 'AUTH_MODE' | 'GOOGLE_APPLICATION_CREDENTIALS' | 'FIREBASE_WEB_API_KEY' | 'FIREBASE_AUTH_EMULATOR_URL' | 'FIREBASE_JWKS_URL'>): { mode: AuthMode; why: string } {
  if (config.AUTH_MODE === 'local') return { mode: 'local', why: 'AUTH_MODE=local' };
  if (config.AUTH_MODE === 'firebase') return { mode: 'firebase', why: 'AUTH_MODE=firebase' };
  const real = (['GOOGLE_APPLICATION_CREDENTIALS', 'FIREBASE_WEB_API_KEY', 'FIREBASE_AUTH_EMULATOR_URL', 'FIREBASE_JWKS_URL'] as const).filter((k) => config[k]);
  return real.length ? { mode: 'firebase', why: `${real.join(', ')} ${real.length > 1 ? 'are' : 'is'} set` } : { mode: 'local', why: 'no Firebase project configured' };
}

export { localAuthDir, loadOrCreateSigningKey } from './signingKey.ts';
export { signIdToken, type IdTokenClaims } from './idToken.ts';
export { openLocalAccounts, type LocalAccount, type LocalAccounts } from './accounts.ts';
export { registerAuthEmulatorRoutes, type AuthEmulatorRouteDeps } from './authEmulatorRoutes.ts';
