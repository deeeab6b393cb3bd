import type { z } from 'zod';
import { storableIssue } from './storable.ts';

/** A failed parse as one line that names each bad field, e.g. `reps: must be a whole number`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
    .join('; ');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON text (or UTF-8 bytes, which must be valid UTF-8) → value, never throwing. */
function decodeJson(raw: string | Uint8Array): Parsed<unknown> {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : strictUtf8.decode(raw);
  } catch {
    return { ok: false, error: '(payload): is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: '(payload): is not valid JSON' };
  }
}

/** Checks an already-decoded value against a schema, never throwing. */
export function parseValue<T>(schema: z.ZodType<T>, data: unknown): Parsed<T> {
  const result = schema.safeParse(data);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeIssues(result.error) };
}

/** Parses JSON text (or bytes) against a schema, never throwing. */
export function parseJson<T>(schema: z.ZodType<T>, raw: string | Uint8Array): Parsed<T> {
  const decoded = decodeJson(raw);
  return decoded.ok ? parseValue(schema, decoded.value) : decoded;
}

/**
 * Like parseValue, for what is going to the stores: first the checks no field schema expresses
 * (well-formed text in every key and string, bounded size; see storable.ts), then the schema.
 */
export function parseStorable<T>(schema: z.ZodType<T>, data: unknown): Parsed<T> {
  const issue = storableIssue(data);
  return issue ? { ok: false, error: issue } : parseValue(schema, data);
}

/** parseJson for what is going to the stores (see parseStorable). */
export function parseStorableJson<T>(schema: z.ZodType<T>, raw: string | Uint8Array): Parsed<T> {
  const decoded = decodeJson(raw);
  return decoded.ok ? parseStorable(schema, decoded.value) : decoded;
}
