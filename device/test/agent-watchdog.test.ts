/** sd_notify through systemd-notify: READY once, WATCHDOG while healthy, nothing outside systemd. */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startWatchdog } from '../src/agent/watchdog.ts';
import { tempDir, waitUntil } from './outbox-fixtures.ts';

const log = pino({ level: 'silent' });

describe('systemd watchdog', () => {
  const t = tempDir('notify');
  afterAll(() => t.cleanup());
  const calls = join(t.dir, 'calls');
  const bin = join(t.dir, 'systemd-notify');
  writeFileSync(bin, `#!/bin/sh\necho "$@" >> ${calls}\n`);
  chmodSync(bin, 0o755);
  // Finished lines only: the shell creates the file before it writes a line.
  const lines = () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').slice(0, -1) : []);

  it('says READY, then WATCHDOG=1 every half WatchdogSec while healthy, and withholds it when not', async () => {
    // The interval runs on a fake clock, so a busy machine cannot skip or bunch keep-alives.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      let healthy = true;
      const env = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '1000000' };
      const wd = startWatchdog({ env, healthy: () => healthy, log, notifyBin: bin });
      expect(wd.intervalMs).toBe(500);
      wd.ready('serving');
      await waitUntil('READY', () => lines().length === 1, 10_000);
      expect(lines()[0]).toBe(`--pid=${process.pid} --ready --status=serving`);
      vi.advanceTimersByTime(1000);
      const keepAlives = () => lines().filter((l) => l.includes('WATCHDOG=1')).length;
      await waitUntil('two keep-alives', () => keepAlives() === 2, 10_000);
      healthy = false;
      vi.advanceTimersByTime(1000);
      // STOPPING goes out after the unhealthy intervals: by the time it lands, no keep-alive was sent.
      wd.stopping();
      await waitUntil('STOPPING', () => lines().some((l) => l.includes('STOPPING=1')), 10_000);
      expect(keepAlives()).toBe(2);
      wd.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('does nothing outside systemd', async () => {
    writeFileSync(calls, '');
    const wd = startWatchdog({ env: {}, healthy: () => true, log, notifyBin: bin });
    wd.ready();
    expect(wd.intervalMs).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(calls, 'utf8')).toBe('');
  });
});

const haveTools = spawnSync('sh', ['-c', 'command -v systemd-notify && command -v python3'], { stdio: 'ignore' }).status === 0;
if (!haveTools) console.warn('agent-watchdog: systemd-notify or python3 missing: the real-datagram test is skipped');

describe.skipIf(!haveTools)('systemd watchdog with the real systemd-notify', () => {
  it('delivers READY=1 and WATCHDOG=1 datagrams with our pid to NOTIFY_SOCKET', async () => {
    const t = tempDir('sdnotify');
    const sock = join(t.dir, 'notify');
    // Node cannot bind a unix datagram socket; python plays systemd's end of NOTIFY_SOCKET.
    const listener = spawn('python3', ['-u', '-c', `
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(${JSON.stringify(sock)})
print("ready", flush=True)
while True:
    print(s.recv(4096).decode().replace("\\n", " "), flush=True)
`]);
    let out = '';
    listener.stdout.on('data', (d: Buffer) => (out += d.toString()));
    while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
    const wd = startWatchdog({ env: { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '1000000' }, healthy: () => true, log });
    wd.ready('serving');
    await new Promise((r) => setTimeout(r, 1300));
    wd.stop();
    listener.kill();
    expect(out).toMatch(new RegExp(`READY=1 STATUS=serving MAINPID=${process.pid}`));
    expect(out).toMatch(new RegExp(`MAINPID=${process.pid} WATCHDOG=1`));
    t.cleanup();
  });
});
