import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The HTTP API's refusals. (MQTT refusals are answers on the device's topics instead: a malformed
 * session is acked `rejected` and never queued, so nothing retries it.) Only STORE_UNAVAILABLE is
 * worth trying again.
 */
/** A refusal with a stable code and its HTTP status; each part keeps its own catalogue of codes. */
export class CodedError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    readonly status: number,
    message: string,
    /** Seconds the caller should wait before trying again (HTTP Retry-After), when it matters. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/**
 * A part's catalogue of refusals: each code with its HTTP status, as the error class that throws
 * them (`throw new FleetError('NOT_FOUND', 'no such mirror')`), named `name` in logs.
 */
export function errorCatalogue<const S extends Record<string, number>>(name: string, statuses: S) {
  type Code = Extract<keyof S, string>;
  return class extends CodedError<Code> {
    override name = name;
    constructor(code: Code, message: string, retryAfterS?: number) {
      super(code, statuses[code]!, message, retryAfterS);
    }
  };
}

export const GatewayError = errorCatalogue('GatewayError', {
  MALFORMED_SESSION: 400,
  MISSING_TOKEN: 401,
  INVALID_TOKEN: 401,
  FOREIGN_USER: 403,
  NOT_FOUND: 404,
  /** The sessionId is already stored for another person or mirror (DESIGN.md). */
  SESSION_CONFLICT: 409,
  /** The owner deleted this session; a re-post does not store it again. */
  SESSION_DELETED: 410,
  BAD_REQUEST: 400,
  STORE_UNAVAILABLE: 503,
});
export type GatewayError = InstanceType<typeof GatewayError>;

/**
 * The one way a refusal is answered: a CodedError (any part's catalogue, a route's schema check
 * included) with its status and code; another 4xx that fastify raised (a body that is not JSON, too
 * large) as BAD_REQUEST with fastify's sentence; anything else 500 INTERNAL, logged with the route.
 * `envelope` adds the fields a family's callers expect beside {error, message} (the API's
 * `success: false`; the fleet's none).
 */
export function codedErrorHandler(envelope: Record<string, unknown>) {
  return (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof CodedError) {
      if (err.retryAfterS) reply.header('retry-after', String(err.retryAfterS));
      return reply.status(err.status).send({ ...envelope, error: err.code, message: err.message });
    }
    const statusCode = (err as FastifyError).statusCode;
    const status = statusCode && statusCode < 500 ? statusCode : 500;
    if (status === 500) req.log.error({ err: err.message, route: `${req.method} ${req.routeOptions.url ?? req.url}` }, 'request failed');
    return reply.status(status).send({ ...envelope, error: status === 500 ? 'INTERNAL' : 'BAD_REQUEST', message: status === 500 ? 'internal error' : err.message });
  };
}
