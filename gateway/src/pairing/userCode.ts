/**
 * The short code a person reads off the glass and the secret code the mirror polls with.
 *
 * User codes follow RFC 8628 §6.1: 8 characters from the 20 consonants BCDFGHJKLMNPQRSTVWXZ
 * (no vowels, so no words; no digits, so no 0/O or 1/I confusion), shown as XXXX-XXXX and read
 * back case-insensitively, ignoring dashes and spaces. 20^8 ≈ 2.56·10^10 codes ≈ 34.5 bits.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;
export const USER_CODE_SPACE = USER_CODE_ALPHABET.length ** USER_CODE_LENGTH;

export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** `BCDFGHJK` → `BCDF-GHJK`, as the mirror shows it. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a person typed → the stored form, or undefined when it cannot be a user code at all. */
export function normalizeUserCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 32) return undefined;
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return undefined;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return undefined;
  return code;
}

/** The device code: 256 random bits, handed to the mirror once and kept by the gateway only as a hash. */
export function newDeviceCode(): string {
  return randomBytes(32).toString('base64url');
}

export function hashDeviceCode(deviceCode: string): string {
  return createHash('sha256').update(deviceCode).digest('hex');
}
