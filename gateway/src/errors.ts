/**
 * The HTTP API's refusals. (MQTT refusals are answers on the device's topics instead: a malformed
 * session is acked `rejected` and never queued, so nothing retries it.) Only STORE_UNAVAILABLE is
 * worth trying again.
 */
export const ERRORS = {
  MALFORMED_SESSION: { status: 400 },
  MISSING_TOKEN: { status: 401 },
  INVALID_TOKEN: { status: 401 },
  FOREIGN_USER: { status: 403 },
  NOT_FOUND: { status: 404 },
  /** The sessionId is already stored for another person or mirror (DESIGN.md). */
  SESSION_CONFLICT: { status: 409 },
  /** The owner deleted this session; a re-post does not store it again. */
  SESSION_DELETED: { status: 410 },
  BAD_REQUEST: { status: 400 },
  STORE_UNAVAILABLE: { status: 503 },
} as const;

export type ErrorCode = keyof typeof ERRORS;

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

export class GatewayError extends CodedError<ErrorCode> {
  override name = 'GatewayError';
  constructor(code: ErrorCode, message: string) {
    super(code, ERRORS[code].status, message);
  }
}
