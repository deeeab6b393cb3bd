/**
 * One catalogue of the gateway's refusals. `retry: false` errors are the device's or caller's
 * fault (a malformed session): BullMQ must not retry them, and the device must not resend.
 */
export const ERRORS = {
  MALFORMED_SESSION: { status: 400, retry: false },
  UNPAIRED_DEVICE: { status: 409, retry: false },
  FORBIDDEN_TOPIC: { status: 403, retry: false },
  BAD_CREDENTIALS: { status: 401, retry: false },
  MISSING_TOKEN: { status: 401, retry: false },
  INVALID_TOKEN: { status: 401, retry: false },
  FOREIGN_USER: { status: 403, retry: false },
  NOT_FOUND: { status: 404, retry: false },
  STORE_UNAVAILABLE: { status: 503, retry: true },
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
  readonly retry: boolean;
  constructor(code: ErrorCode, message: string) {
    super(code, ERRORS[code].status, message);
    this.retry = ERRORS[code].retry;
  }
}
