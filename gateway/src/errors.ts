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

export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly status: number;
  readonly retry: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = ERRORS[code].status;
    this.retry = ERRORS[code].retry;
  }
}
