import type { z } from 'zod';

/** A failed parse as one line that names each bad field, e.g. `reps: must be a whole number`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
    .join('; ');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses JSON text (or bytes) against a schema, never throwing. */
export function parseJson<T>(schema: z.ZodType<T>, raw: string | Uint8Array): Parsed<T> {
  let data: unknown;
  try {
    data = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
  } catch {
    return { ok: false, error: '(payload): is not valid JSON' };
  }
  const result = schema.safeParse(data);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeIssues(result.error) };
}
