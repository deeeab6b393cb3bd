/**
 * systemd notifications (sd_notify): READY=1 once the agent serves, WATCHDOG=1 every half
 * WatchdogSec while it is healthy, STOPPING=1 on shutdown. Node has no unix datagram sockets, so
 * each notification runs `systemd-notify --pid=<our pid>` (the unit sets NotifyAccess=all so
 * systemd accepts a message sent on our behalf). Outside systemd (no NOTIFY_SOCKET) it does nothing.
 */
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

export interface Watchdog {
  ready(status?: string): void;
  stopping(): void;
  stop(): void;
  /** Milliseconds between keep-alives, or undefined when systemd asked for no watchdog. */
  readonly intervalMs: number | undefined;
}

export function startWatchdog(opts: { env?: NodeJS.ProcessEnv; healthy(): boolean; log: Logger; notifyBin?: string }): Watchdog {
  const env = opts.env ?? process.env;
  const enabled = Boolean(env.NOTIFY_SOCKET);
  const bin = opts.notifyBin ?? 'systemd-notify';
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process systemd watches; if it is not us, the watchdog is not ours.
  const forUs = !env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === process.pid;
  const intervalMs = enabled && forUs && usec > 0 ? Math.max(500, usec / 2000) : undefined;

  const notify = (...assignments: string[]) => {
    if (!enabled) return;
    execFile(bin, [`--pid=${process.pid}`, ...assignments], { env }, (err) => {
      if (err) opts.log.warn({ err: err.message }, 'systemd-notify failed');
    });
  };

  let timer: NodeJS.Timeout | undefined;
  if (intervalMs) {
    timer = setInterval(() => {
      // A stuck pipeline stops the keep-alives: systemd then restarts us (Restart=on-failure).
      if (opts.healthy()) notify('WATCHDOG=1');
      else opts.log.warn('unhealthy: withholding the systemd watchdog keep-alive');
    }, intervalMs);
    timer.unref();
  }

  return {
    intervalMs,
    ready: (status) => notify('--ready', ...(status ? [`--status=${status}`] : [])),
    stopping: () => notify('STOPPING=1'),
    stop: () => timer && clearInterval(timer),
  };
}
