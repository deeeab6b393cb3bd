/** The systemd units: rendered by install.sh into a staging dir, each passes `systemd-analyze verify`. */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './outbox-fixtures.ts';

const repo = resolve(import.meta.dirname, '../..');
const install = join(repo, 'systemd/install.sh');
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find(existsSync);
if (!analyze) console.warn('agent-systemd: systemd-analyze not found (Debian package systemd): unit verification skipped');

/** Tools a unit starts, which verify requires to exist. */
const NEEDS: Record<string, string[]> = {
  'pose-kiosk-wayland.service': ['/usr/bin/cage'],
  'pose-kiosk-x11.service': ['/usr/bin/xinit'],
};

describe.skipIf(!analyze)('systemd units', () => {
  const t = tempDir('units');
  const unitDir = join(t.dir, 'etc/systemd/system');
  beforeAll(() => {
    execFileSync(install, ['--device', '--kiosk', 'wayland', '--gateway', '--workers', '2', '--destdir', t.dir]);
    execFileSync(install, ['--device', '--kiosk', 'x11', '--destdir', t.dir]);
  });
  afterAll(() => t.cleanup());

  it('installs every unit of systemd/, rendered with this machine paths', () => {
    const shipped = readdirSync(join(repo, 'systemd')).filter((f) => f.endsWith('.service')).sort();
    expect(readdirSync(unitDir).filter((f) => f.endsWith('.service')).sort()).toEqual(shipped);
    for (const u of shipped) expect(readFileSync(join(unitDir, u), 'utf8')).not.toMatch(/@[A-Z]+@/);
    expect(JSON.parse(readFileSync(join(t.dir, 'etc/pose-coach/agent.json'), 'utf8')).mqtt.url).toMatch(/^mqtts:/);
  });

  for (const unit of readdirSync(join(repo, 'systemd')).filter((f) => f.endsWith('.service'))) {
    const missing = (NEEDS[unit] ?? []).filter((p) => !existsSync(p));
    it.skipIf(missing.length > 0)(`${unit} passes systemd-analyze verify${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`, () => {
      // A template is verified as one of its instances.
      let path = join(unitDir, unit);
      if (unit.endsWith('@.service')) copyFileSync(path, (path = join(unitDir, unit.replace('@.service', '@1.service'))));
      const r = spawnSync(analyze!, ['verify', path], { encoding: 'utf8' });
      expect(r.stderr.trim()).toBe('');
      expect(r.status).toBe(0);
    });
  }

  it('gives the agent a watchdog, bounded restarts, a dedicated user and a read-only system', () => {
    const unit = readFileSync(join(unitDir, 'pose-agent.service'), 'utf8');
    for (const line of ['Type=notify', 'WatchdogSec=30', 'Restart=on-failure', 'StartLimitBurst=5', 'User=pose-coach', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'StateDirectory=pose-coach', 'RestartPreventExitStatus=78']) {
      expect(unit).toContain(line);
    }
  });

  it('keeps the agent and gateway exposure low (systemd-analyze security --offline)', () => {
    for (const unit of ['pose-agent.service', 'pose-gateway.service']) {
      const r = spawnSync(analyze!, ['security', '--offline=true', join(unitDir, unit)], { encoding: 'utf8' });
      const score = Number(/exposure level for [^:]+: ([\d.]+)/.exec(r.stdout)?.[1]);
      expect(score).toBeLessThan(3.5);
    }
  });

  it('moves the store workers out of the gateway process when asked for separate workers', () => {
    expect(readFileSync(join(unitDir, 'pose-gateway.service.d/workers.conf'), 'utf8')).toContain('Environment=RUN_WORKERS=false');
  });

  it('refuses an unknown kiosk kind with a clear message', () => {
    const r = spawnSync(install, ['--device', '--kiosk', 'gtk', '--destdir', t.dir], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--kiosk must be wayland or x11/);
  });
});
