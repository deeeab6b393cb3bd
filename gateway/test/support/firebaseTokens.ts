/**
 * A stand-in for Google's token signer: an RS256 key set served on loopback in the same JWK-set
 * format as Google's securetoken endpoint, and ID tokens shaped as Firebase issues them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { signIdToken } from '../../src/localAuth/idToken.ts';

export interface TokenIssuer {
  jwksUrl: string;
  projectId: string;
  sign(uid: string, opts?: { expiresInS?: number; audience?: string; issuer?: string; name?: string; email?: string; key?: 'trusted' | 'foreign' }): Promise<string>;
  close(): Promise<void>;
}

export async function startTokenIssuer(projectId = 'pose-coach-test'): Promise<TokenIssuer> {
  const trusted = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(trusted.publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks`,
    projectId,
    sign(uid, opts = {}) {
      const key = opts.key === 'foreign' ? foreign.privateKey : trusted.privateKey;
      return signIdToken(key, 'test-key-1', { projectId, uid, name: opts.name ?? 'Test Person', ...(opts.email ? { email: opts.email } : {}), ...(opts.expiresInS !== undefined ? { expiresInS: opts.expiresInS } : {}), ...(opts.audience ? { audience: opts.audience } : {}), ...(opts.issuer ? { issuer: opts.issuer } : {}) });
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
