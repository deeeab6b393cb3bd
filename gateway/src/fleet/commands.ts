/**
 * Remote commands: each gets an id, goes out on the mirror's `cmd` topic, and ends with the
 * mirror's `cmd/ack` carrying that id — or with `timeout` when none came in time. An ack is only
 * taken from the mirror the command was sent to. Every command and its outcome is kept in MySQL
 * (`fleet_commands`), so `show` lists a mirror's history across gateway restarts; a command still
 * pending when its gateway went away reads as `timeout` once its time is up.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { topicFor, type Command, type CommandAck, type FleetCommandRequest } from '@pose-coach/protocol';
import type { Logger } from '../log.ts';
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
/** The round trip on top of the mirror's own timeout. */
const GRACE_MS = 1000;

export function createCommands(deps: { publish: Publish; defaultTimeoutMs: number; pool: Pool; log: Logger }) {
  const pending = new Map<string, { record: CommandRecord; done(r: CommandRecord): void; timer: NodeJS.Timeout }>();
  /** Writes in order per command (insert before its update), never blocking the command itself. */
  const writes = new Map<string, Promise<unknown>>();
  const write = (id: string, sql: string, params: unknown[]) => {
    const next = (writes.get(id) ?? Promise.resolve())
      .then(() => deps.pool.execute(sql, params as never))
      .catch((err: Error) => deps.log.warn({ commandId: id, err: err.message }, 'command history not saved'));
    writes.set(id, next);
    void next.then(() => writes.get(id) === next && writes.delete(id));
  };

  const finish = (id: string, patch: Partial<CommandRecord>) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    Object.assign(p.record, patch, { endedAt: new Date().toISOString() });
    const r = p.record;
    write(id, 'UPDATE fleet_commands SET state = ?, result = ?, error = ?, ended_at = ? WHERE command_id = ?', [
      r.state,
      r.result === undefined ? null : JSON.stringify(r.result),
      r.error?.slice(0, 500) ?? null,
      new Date(r.endedAt!),
      id,
    ]);
    p.done(r);
  };

  return {
    /** Sends a command; resolves once acknowledged or timed out (never rejects for a silent mirror). */
    async send(deviceId: string, req: FleetCommandRequest): Promise<CommandRecord> {
      const timeoutMs = req.timeoutMs ?? deps.defaultTimeoutMs;
      const cmd: Command = { id: randomUUID(), name: req.name, ...(req.args ? { args: req.args } : {}), timeoutMs };
      const record: CommandRecord = { id: cmd.id, deviceId, name: cmd.name, state: 'pending', sentAt: new Date().toISOString() };
      write(cmd.id, 'INSERT INTO fleet_commands (command_id, device_id, name, state, timeout_ms, sent_at) VALUES (?, ?, ?, ?, ?, ?)', [
        cmd.id,
        deviceId,
        cmd.name,
        'pending',
        timeoutMs,
        new Date(record.sentAt),
      ]);
      const settled = new Promise<CommandRecord>((done) => {
        // The mirror enforces timeoutMs on its handler; a little longer here covers the round trip.
        const timer = setTimeout(() => finish(cmd.id, { state: 'timeout', error: `no acknowledgement within ${timeoutMs} ms` }), timeoutMs + GRACE_MS);
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

    /** The mirror's latest commands, newest first (from MySQL: they outlive the gateway process). */
    async recent(deviceId: string): Promise<CommandRecord[]> {
      await Promise.all([...writes.values()]);
      const [rows] = await deps.pool.execute<RowDataPacket[]>(
        `SELECT command_id, name, state, timeout_ms, result, error, sent_at, ended_at FROM fleet_commands WHERE device_id = ? ORDER BY sent_at DESC LIMIT ${KEEP_PER_DEVICE}`,
        [deviceId],
      );
      return rows.map((r) => {
        const sentAt = new Date(r.sent_at as string);
        // Pending in MySQL but not here: its gateway went away; once its time is up it timed out.
        const orphan = r.state === 'pending' && !pending.has(String(r.command_id)) && Date.now() > sentAt.getTime() + Number(r.timeout_ms) + GRACE_MS;
        const result = typeof r.result === 'string' ? (JSON.parse(r.result) as unknown) : (r.result as unknown);
        return {
          id: String(r.command_id),
          deviceId,
          name: String(r.name),
          state: orphan ? 'timeout' : (String(r.state) as CommandState),
          sentAt: sentAt.toISOString(),
          ...(r.ended_at != null ? { endedAt: new Date(r.ended_at as string).toISOString() } : {}),
          ...(result != null ? { result } : {}),
          ...(orphan ? { error: 'no acknowledgement before the gateway restarted' } : r.error != null ? { error: String(r.error) } : {}),
        };
      });
    },

    async close(): Promise<void> {
      for (const id of [...pending.keys()]) finish(id, { state: 'failed', error: 'gateway shutting down' });
      await Promise.all([...writes.values()]);
    },
  };
}

export type Commands = ReturnType<typeof createCommands>;
