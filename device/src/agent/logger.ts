/** The agent's pino logger: JSON lines on stdout (journald keeps them under systemd). */
import pino, { type Logger } from 'pino';

export function createAgentLogger(level: string): Logger {
  return pino({ level, base: { app: 'pose-agent' }, timestamp: pino.stdTimeFunctions.isoTime });
}
