/**
 * Every command README names answers `--help` with its usage (exit 0) and an unknown option with
 * the usage too (exit 2), never with a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const tsx = (script: string) => [process.execPath, ['--import', 'tsx', script]] as const;
const COMMANDS: Record<string, readonly [string, readonly string[]]> = {
  'npm start': tsx('bin/start.ts'),
  'npm run gateway': tsx('gateway/src/main.ts'),
  'npm run gateway:workers': tsx('gateway/src/workerMain.ts'),
  'npm run gateway:admin': tsx('gateway/src/cli/admin.ts'),
  'the mirror agent': tsx('device/src/agent/main.ts'),
  'npx pose-coach': [process.execPath, ['bin/pose-coach.js']],
  'npx pose-coach analyze': [process.execPath, ['bin/pose-coach.js', 'analyze']],
  'npx pose-coach live': [process.execPath, ['bin/pose-coach.js', 'live']],
  'npx pose-coach dev': [process.execPath, ['bin/pose-coach.js', 'dev']],
  'npx pose-coach fleet': [process.execPath, ['bin/pose-coach.js', 'fleet']],
  'npx pose-coach reconcile': [process.execPath, ['bin/pose-coach.js', 'reconcile']],
};

const run = ([cmd, args]: readonly [string, readonly string[]], extra: string[]) => spawnSync(cmd, [...args, ...extra], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, GATEWAY_HTTP_PORT: '1', GATEWAY_MQTT_PORT: '1', GATEWAY_MQTTS_PORT: '1' } });

describe('usage text on every command', () => {
  for (const [name, command] of Object.entries(COMMANDS)) {
    it(`${name}: --help prints the usage; an unknown option prints it too, without a stack trace`, () => {
      const help = run(command, ['--help']);
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/usage|Configured by environment/i);
      const bad = run(command, ['--no-such-option']);
      expect(bad.status).toBe(2);
      const said = bad.stdout + bad.stderr;
      expect(said).toMatch(/no-such-option/);
      expect(said).toMatch(/usage/i);
      expect(said).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack frames
    }, 90_000);
  }
});
