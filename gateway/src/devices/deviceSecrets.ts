/**
 * Device secrets: 256-bit random strings, stored only as salted hashes.
 *
 * New hashes are one salted SHA-256 (`sha256$salt$hash`). A slow KDF (scrypt, bcrypt) protects
 * low-entropy passwords by making each guess expensive; a device secret is 256 random bits, so a
 * leaked hash table cannot be searched however cheap one guess is (2^255 guesses on average, i.e.
 * ~10^58 years at 10^12 hashes/s). What a slow KDF would cost instead is the gateway's CPU on
 * every MQTT CONNECT: 10,000 mirrors reconnecting at 100/s queued behind scrypt and 773 of them
 * timed out before CONNACK (issue 14). One SHA-256 takes about a microsecond.
 *
 * Older `scrypt$N$r$p$salt$hash` hashes still verify; `needsRehash` tells the registry to replace
 * one with the cheap form after its next successful check.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LEN = 32;

function scrypt(secret: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const sha256 = (salt: Buffer, secret: string) => createHash('sha256').update(salt).update(secret, 'utf8').digest();

export function newDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `sha256$salt$hash`: the scheme is kept in the value so it can change later without breaking old hashes. */
export function hashDeviceSecret(secret: string): string {
  const salt = randomBytes(16);
  return ['sha256', salt.toString('base64url'), sha256(salt, secret).toString('base64url')].join('$');
}

/** The former scheme (scrypt N=2^10), kept to make hashes as older gateways stored them (tests, benchmarks). */
export async function hashDeviceSecretScrypt(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const params = { N: 1024, r: 8, p: 1 };
  const key = await scrypt(secret, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True for a stored hash in a scheme other than the current one. */
export const needsRehash = (stored: string): boolean => !stored.startsWith('sha256$');

export async function verifyDeviceSecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  let key: Buffer;
  let expected: Buffer;
  if (parts[0] === 'sha256' && parts.length === 3) {
    key = sha256(Buffer.from(parts[1]!, 'base64url'), secret);
    expected = Buffer.from(parts[2]!, 'base64url');
  } else if (parts[0] === 'scrypt' && parts.length === 6) {
    const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
    expected = Buffer.from(hash, 'base64url');
    key = await scrypt(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  } else {
    return false;
  }
  return key.length === expected.length && timingSafeEqual(key, expected);
}
