/** Remote commands on `cmd`, answered on `cmd/ack` with the same id: one handler per command name. */
import type { Command, CommandAck } from '@pose-coach/protocol';

export type CommandHandler = (args: Record<string, unknown>) => Promise<unknown> | unknown;

export async function runCommand(cmd: Command, handlers: Record<string, CommandHandler>): Promise<CommandAck> {
  const handler = handlers[cmd.name];
  if (!handler) return { id: cmd.id, ok: false, error: `unknown command ${cmd.name}; known: ${Object.keys(handlers).join(', ')}` };
  const timeoutMs = cmd.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      Promise.resolve().then(() => handler(cmd.args ?? {})),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { id: cmd.id, ok: true, ...(result !== undefined ? { result } : {}) };
  } catch (err) {
    return { id: cmd.id, ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
