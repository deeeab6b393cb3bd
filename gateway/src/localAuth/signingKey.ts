/**
 * The local sign-in's RS256 key pair, made once and kept under the gateway's data dir
 * (`<GATEWAY_DATA_DIR>/local-auth/signing-key.json`, mode 600), so tokens stay valid across
 * restarts and `pose-coach dev token` (another process) signs with the same key.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  /** The public half as a JWK set, what FIREBASE_JWKS_URL-style verifiers read. */
  jwks: { keys: JWK[] };
}

export const localAuthDir = (dataDir: string) => join(dataDir, 'local-auth');

export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const dir = localAuthDir(dataDir);
  const file = join(dir, 'signing-key.json');
  let stored: { kid: string; jwk: JWK } | undefined;
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as { kid: string; jwk: JWK };
    } catch (err) {
      throw new Error(`the local sign-in key ${file} is damaged (${(err as Error).message}); remove it to make a new one (signed-in phones must sign in again)`);
    }
  } else {
    const pair = await generateKeyPair('RS256', { extractable: true });
    stored = { kid: `local-${randomBytes(6).toString('hex')}`, jwk: await exportJWK(pair.privateKey) };
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Written whole then renamed: a second process starting at the same time never reads half a key.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(stored), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    if (existsSync(file)) {
      rmSync(tmp, { force: true });
      return loadOrCreateSigningKey(dataDir); // another process won the race
    }
    renameSync(tmp, file);
  }
  const { kid, jwk } = stored;
  const privateKey = (await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as KeyLike;
  const { kty, n, e } = jwk;
  return { kid, privateKey, jwks: { keys: [{ kty, n, e, kid, alg: 'RS256', use: 'sig' }] } };
}
