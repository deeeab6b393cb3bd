/**
 * ID tokens shaped as Firebase Authentication issues them (RS256, `kid` header, `iss`
 * https://securetoken.google.com/<project>, `aud` = project, `sub` = `user_id` = uid, `auth_time`,
 * `firebase.sign_in_provider`), so the gateway's one verifier (api/firebaseAuth.ts) accepts them
 * exactly as it accepts Google's. Used by the local sign-in and by the tests' token issuer.
 */
import { SignJWT, type KeyLike } from 'jose';

export interface IdTokenClaims {
  projectId: string;
  uid: string;
  name?: string;
  email?: string;
  /** Default 3600 s, what Firebase gives. */
  expiresInS?: number;
  /** Overrides, for tests of refusals. */
  audience?: string;
  issuer?: string;
  /** When the person signed in (seconds); default 10 s ago. */
  authTime?: number;
}

export function signIdToken(key: KeyLike, kid: string, c: IdTokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    auth_time: c.authTime ?? now - 10,
    ...(c.name ? { name: c.name } : {}),
    ...(c.email ? { email: c.email, email_verified: false } : {}),
    user_id: c.uid,
    firebase: { identities: c.email ? { email: [c.email] } : {}, sign_in_provider: c.email ? 'password' : 'custom' },
  })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(c.issuer ?? `https://securetoken.google.com/${c.projectId}`)
    .setAudience(c.audience ?? c.projectId)
    .setSubject(c.uid)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (c.expiresInS ?? 3600))
    .sign(key);
}
