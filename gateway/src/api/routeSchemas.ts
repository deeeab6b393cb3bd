/**
 * Routes declare their params, queries, bodies and answers with zod schemas (the protocol's where
 * the shape crosses a process) — one definition for checking and for documenting:
 * - fastify checks each request part with them before the handler runs (`zodValidation`), and a
 *   failure becomes the route family's CodedError with the field-by-field message of describeIssues;
 * - @fastify/swagger documents them as JSON Schema that zod itself writes (`toOpenApiSchema`);
 * - answers are sent as JSON.stringify always did; one that does not match its declared schema is
 *   logged (the document is then wrong, which a person should hear of), never changed or refused.
 */
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import { z } from 'zod';
import { describeIssues, parseStorable, pathSafeId } from '@pose-coach/protocol';
import { GatewayError } from '../errors.ts';

/** How a part's value is checked: the schema alone, or the protocol's storable checks first. */
type Check = (schema: z.ZodType, data: unknown) => { ok: true; value: unknown } | { ok: false; refusal: z.ZodError | string };

const isZod = (schema: unknown): schema is z.ZodType => typeof schema === 'object' && schema !== null && '_zod' in schema;

const bySchema: Check = (schema, data) => {
  // An absent body or query is checked as {} so a missing field is named like any other.
  const r = schema.safeParse(data ?? {});
  return r.success ? { ok: true, value: r.data } : { ok: false, refusal: r.error };
};

/** For what goes to the stores: protocol's parseStorable (well-formed text, bounded size), then the schema. */
export const storableCheck: Check = (schema, data) => {
  const r = parseStorable(schema, data ?? undefined);
  return r.ok ? { ok: true, value: r.value } : { ok: false, refusal: r.error };
};

/**
 * The validator compiler of a route family: `refuse` turns a failed check into its CodedError.
 * A string refusal (storableCheck) is already a sentence; a ZodError is described field by field.
 */
export function zodValidation(refuse: (message: string, error?: z.ZodError) => Error, check: Check = bySchema): FastifySchemaCompiler<unknown> {
  return ({ schema, url, httpPart }) => {
    if (!isZod(schema)) throw new Error(`${url} ${httpPart}: route schemas are zod schemas (one definition, documented by zod)`);
    return (data: unknown) => {
      const r = check(schema, data);
      if (r.ok) return { value: r.value };
      return { error: typeof r.refusal === 'string' ? refuse(r.refusal) : refuse(describeIssues(r.refusal), r.refusal) };
    };
  };
}

/** The API's default: 400 BAD_REQUEST naming the field. */
export const badRequest = zodValidation((message) => new GatewayError('BAD_REQUEST', message));

/** Answers go out as before (JSON.stringify); a mismatch with the declared schema is logged with the route. */
export function checkedSerializer(log: { error(details: object, message: string): void }): FastifySerializerCompiler<unknown> {
  return ({ schema, method, url, httpStatus }) => {
    if (!isZod(schema)) return (data) => JSON.stringify(data);
    return (data) => {
      const r = schema.safeParse(data);
      if (!r.success) log.error({ route: `${method} ${url}`, status: httpStatus, issues: describeIssues(r.error) }, 'answer does not match its documented schema');
      return JSON.stringify(data);
    };
  };
}

/** Zod route schemas on a scope of its own (a plugin also mounted outside the gateway's API). */
export function useZodSchemas(scope: FastifyInstance): void {
  scope.setValidatorCompiler(badRequest);
  scope.setSerializerCompiler(checkedSerializer(scope.log));
}

/** A zod schema as JSON Schema for the document: what a caller sends (input) or receives (output). */
export function toOpenApiSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

const REQUEST_PARTS = ['params', 'querystring', 'body', 'headers'] as const;

/** @fastify/swagger's `transform`: every zod schema on a route becomes JSON Schema. */
export function zodToOpenApi({ schema, url }: { schema?: FastifySchema; url: string }) {
  if (!schema) return { schema: schema as unknown as FastifySchema, url }; // none: swagger documents the route bare
  const parts = schema as Record<string, unknown>;
  const out: Record<string, unknown> = { ...parts };
  for (const part of REQUEST_PARTS) {
    const s = parts[part];
    if (isZod(s)) out[part] = toOpenApiSchema(s, 'input');
  }
  if (parts.response) {
    out.response = Object.fromEntries(Object.entries(parts.response as Record<string, unknown>).map(([code, s]) => [code, isZod(s) ? toOpenApiSchema(s, 'output') : s]));
  }
  return { schema: out as FastifySchema, url };
}

/** The refusal body of the API (`{success: false, error, message}`), described for one status. */
export const refusal = (description: string) =>
  z.object({ success: z.literal(false), error: z.string(), message: z.string() }).describe(description);

/** A body that is not JSON (HTML, a script, CSV, a bundle), or none: documented by its description. */
export const notJson = (description: string) => z.string().describe(description);
export const noBody = (description: string) => z.null().describe(description);
/** A JSON answer whose fields are not all listed here (they are the stores' and views' own). */
export const looseAnswer = (description: string, shape: z.ZodRawShape = {}) => z.looseObject(shape).describe(description);

/** The path parameters of everything under /api/users/:uid (both route families mounted there). */
export const uidParams = z.object({ uid: pathSafeId });
export const sessionParams = uidParams.extend({ sessionId: pathSafeId });
