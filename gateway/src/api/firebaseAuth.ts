/**
 * Firebase ID-token verification as Firebase documents it for third-party JWT libraries:
 * RS256, a `kid` from Google's key set, `aud` = project id, `iss` =
 * https://securetoken.google.com/<project>, `sub` (the uid) non-empty, `auth_time` in the past.
 * The key-set URL is configurable so tests (and the Auth emulator's stand-in) can serve their own.
 */
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, errors as joseErrors, type JSONWebKeySet } from 'jose';
import { GatewayError } from '../errors.ts';

export interface VerifiedUser {
  uid: string;
  name?: string;
  email?: string;
}

export interface TokenVerifierOptions {
  projectId: string;
  /** Where the key set is fetched (Google's, a test's); or */
  jwksUrl?: string;
  /** the key set itself (the embedded local sign-in, localAuth/). */
  jwks?: JSONWebKeySet;
  issuer?: string;
}

export function createFirebaseTokenVerifier(opts: TokenVerifierOptions) {
  if (!opts.jwks && !opts.jwksUrl) throw new Error('createFirebaseTokenVerifier: jwks or jwksUrl is required');
  const keys = opts.jwks ? createLocalJWKSet(opts.jwks) : createRemoteJWKSet(new URL(opts.jwksUrl!), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  const issuer = opts.issuer ?? `https://securetoken.google.com/${opts.projectId}`;

  return async function verifyIdToken(token: string): Promise<VerifiedUser> {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience: opts.projectId, algorithms: ['RS256'] });
      const uid = payload.sub;
      if (!uid || uid.length > 128) throw new GatewayError('INVALID_TOKEN', 'token has no valid subject (uid)');
      const authTime = payload['auth_time'];
      if (typeof authTime !== 'number' || authTime > Date.now() / 1000 + 60) {
        throw new GatewayError('INVALID_TOKEN', 'token auth_time is missing or in the future');
      }
      return {
        uid,
        name: typeof payload['name'] === 'string' ? payload['name'] : undefined,
        email: typeof payload['email'] === 'string' ? payload['email'] : undefined,
      };
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new GatewayError('INVALID_TOKEN', 'token has expired');
      if (err instanceof joseErrors.JOSEError) throw new GatewayError('INVALID_TOKEN', `token rejected: ${err.code}`);
      throw new GatewayError('INVALID_TOKEN', 'token could not be verified');
    }
  };
}

export type VerifyIdToken = ReturnType<typeof createFirebaseTokenVerifier>;
