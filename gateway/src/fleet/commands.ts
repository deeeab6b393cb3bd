/**
 * Remote commands: each gets an id, goes out on the mirror's `cmd` topic, and ends with the
 * mirror's `cmd/ack` carrying that id — or with `timeout` when none came in time. An ack is only
 * taken from the mirror the command was sent to. Recent commands are kept per mirror for `show`.
 */
import { randomUUID } from 'node:crypto';
import { topicFor, type Command, type CommandAck, type FleetCommandRequest } from '@pose-coach/protocol';
import type { Publish } from './shadow.ts';

export type CommandState = 'pending' | 'ok' | 'failed' | 'timeout';

export interface CommandRecord {
  id: string;
  deviceId: string;
  name: string;
  state: CommandState;
  sentAt: string;
  endedAt?: string;
  result?: unknown;
  error?: string;
}

const KEEP_PER_DEVICE = 20;

export function createCommands(deps: { publish: Publish; defaultTimeoutMs: number }) {
  const pending = new Map<string, { record: CommandRecord; done(r: CommandRecord): void; timer: NodeJS.Timeout }>();
  const recent = new Map<string, CommandRecord[]>();

  const remember = (r: CommandRecord) => {
    const list = recent.get(r.deviceId) ?? [];
    list.unshift(r);
    recent.set(r.deviceId, list.slice(0, KEEP_PER_DEVICE));
  };
  const finish = (id: string, patch: Partial<CommandRecord>) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    Object.assign(p.record, patch, { endedAt: new Date().toISOString() });
    p.done(p.record);
  };

  return {
    /** Sends a command; resolves once acknowledged or timed out (never rejects for a silent mirror). */
    async send(deviceId: string, req: FleetCommandRequest): Promise<CommandRecord> {
      const timeoutMs = req.timeoutMs ?? deps.defaultTimeoutMs;
      const cmd: Command = { id: randomUUID(), name: req.name, ...(req.args ? { args: req.args } : {}), timeoutMs };
      const record: CommandRecord = { id: cmd.id, deviceId, name: cmd.name, state: 'pending', sentAt: new Date().toISOString() };
      remember(record);
      const settled = new Promise<CommandRecord>((done) => {
        // The mirror enforces timeoutMs on its handler; a little longer here covers the round trip.
        const timer = setTimeout(() => finish(cmd.id, { state: 'timeout', error: `no acknowledgement within ${timeoutMs} ms` }), timeoutMs + 1000);
        pending.set(cmd.id, { record, done, timer });
      });
      try {
        await deps.publish(topicFor('cmd', deviceId), cmd, { qos: 1, retain: false });
      } catch (err) {
        finish(cmd.id, { state: 'failed', error: `not sent: ${(err as Error).message}` });
      }
      return settled;
    },

    /** `cmd/ack` from a mirror; false when it matches no command sent to that mirror. */
    onAck(deviceId: string, ack: CommandAck): boolean {
      const p = pending.get(ack.id);
      if (!p || p.record.deviceId !== deviceId) return false;
      finish(ack.id, ack.ok ? { state: 'ok', ...(ack.result !== undefined ? { result: ack.result } : {}) } : { state: 'failed', error: ack.error ?? 'failed' });
      return true;
    },

    recent: (deviceId: string): CommandRecord[] => recent.get(deviceId) ?? [],

    close(): void {
      for (const id of [...pending.keys()]) finish(id, { state: 'failed', error: 'gateway shutting down' });
    },
  };
}

export type Commands = ReturnType<typeof createCommands>;
