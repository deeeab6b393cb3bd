/** sd_notify through systemd-notify: READY once, WATCHDOG while healthy, nothing outside systemd. */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startWatchdog } from '../src/agent/watchdog.ts';
import { tempDir } from './outbox-fixtures.ts';

const log = pino({ level: 'silent' });

describe('systemd watchdog', () => {
  const t = tempDir('notify');
  afterAll(() => t.cleanup());
  const calls = join(t.dir, 'calls');
  const bin = join(t.dir, 'systemd-notify');
  writeFileSync(bin, `#!/bin/sh\necho "$@" >> ${calls}\n`);
  chmodSync(bin, 0o755);
  const lines = () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []);

  it('says READY, then WATCHDOG=1 every half WatchdogSec while healthy, and withholds it when not', async () => {
    let healthy = true;
    const env = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '1000000' };
    const wd = startWatchdog({ env, healthy: () => healthy, log, notifyBin: bin });
    expect(wd.intervalMs).toBe(500);
    wd.ready('serving');
    await new Promise((r) => setTimeout(r, 1300));
    const before = lines().filter((l) => l.includes('WATCHDOG=1')).length;
    expect(lines()[0]).toBe(`--pid=${process.pid} --ready --status=serving`);
    expect(before).toBeGreaterThanOrEqual(2);
    healthy = false;
    await new Promise((r) => setTimeout(r, 1200));
    expect(lines().filter((l) => l.includes('WATCHDOG=1')).length).toBeLessThanOrEqual(before + 1);
    wd.stop();
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
