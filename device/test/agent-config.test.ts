/** The agent's config: documented defaults, env overrides, and refusals that name the key. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, configDocs, loadConfig } from '../src/agent/config.ts';
import { applyDesired, reportedConfig } from '../src/agent/liveConfig.ts';
import { tempDir } from './outbox-fixtures.ts';

describe('agent config', () => {
  it('has a default for every key it documents, and an env name for each', () => {
    const c = loadConfig({ env: {} });
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8787 });
    expect(c.source.kind).toBe('auto');
    expect(CONFIG_KEYS.find((k) => k.path === 'mqtt.reconnectMaxMs')?.env).toBe('POSE_AGENT_MQTT_RECONNECT_MAX_MS');
    expect(configDocs()).toContain('| `outbox.maxPending` | `POSE_AGENT_OUTBOX_MAX_PENDING` | number | `5000` |');
  });

  it('takes the file, then env, then flags', () => {
    const t = tempDir('cfg');
    const file = join(t.dir, 'agent.json');
    writeFileSync(file, JSON.stringify({ http: { port: 9001 }, coach: { exercise: 'pushup', idleEndS: 5 } }));
    const c = loadConfig({ file, env: { POSE_AGENT_COACH_IDLE_END_S: '7', POSE_AGENT_SOURCE_LOOP_VIDEO: 'true' }, overrides: { 'http.port': 9002 } });
    expect(c.coach).toMatchObject({ exercise: 'pushup', idleEndS: 7 });
    expect(c.source.loopVideo).toBe(true);
    expect(c.http.port).toBe(9002);
    t.cleanup();
  });

  it('refuses a bad value, naming the key, its env variable and what it expects', () => {
    expect(() => loadConfig({ env: { POSE_AGENT_HTTP_PORT: 'eighty' } })).toThrow(/POSE_AGENT_HTTP_PORT \(http.port\): expected a number/);
    expect(() => loadConfig({ env: { POSE_AGENT_SOURCE_KIND: 'webcam' } })).toThrow(/source\.kind \(env POSE_AGENT_SOURCE_KIND\): .*"camera"/);
    expect(() => loadConfig({ env: {}, overrides: { 'coach.idleEndS': 0 } })).toThrow(ConfigError);
  });

  it('refuses unknown keys (a typo must not be silently ignored)', () => {
    const t = tempDir('cfg');
    const file = join(t.dir, 'agent.json');
    writeFileSync(file, JSON.stringify({ mqtt: { urll: 'x' } }));
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown key mqtt\.urll/);
    writeFileSync(file, '{ nope');
    expect(() => loadConfig({ file, env: {} })).toThrow(/not valid JSON/);
    t.cleanup();
  });

  it('stops the agent at start with exit 78 and a message naming the key', () => {
    const main = fileURLToPath(new URL('../src/agent/main.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', main, '--simulate'], {
      env: { ...process.env, POSE_AGENT_TELEMETRY_INTERVAL_S: '0' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/telemetry\.intervalS \(env POSE_AGENT_TELEMETRY_INTERVAL_S\)/);
  });

  it('refuses TLS without a CA file, a missing CA file and a readable credentials file, with exit 78', () => {
    const main = fileURLToPath(new URL('../src/agent/main.ts', import.meta.url));
    const t = tempDir('cfg');
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', main, '--simulate', '--port', '0'], { env: { ...process.env, POSE_AGENT_DATA_DIR: t.dir, ...env }, encoding: 'utf8' });
    const noCa = run({ POSE_AGENT_MQTT_URL: 'mqtts://gateway.local:8883' });
    expect(noCa.status).toBe(78);
    expect(noCa.stderr).toMatch(/mqtt\.caFile .*required/);
    const missing = run({ POSE_AGENT_MQTT_URL: 'mqtts://gateway.local:8883', POSE_AGENT_MQTT_CA_FILE: '/nonexistent/ca.pem' });
    expect(missing.status).toBe(78);
    expect(missing.stderr).toMatch(/\/nonexistent\/ca\.pem does not exist/);
    const creds = join(t.dir, 'device.json');
    writeFileSync(creds, JSON.stringify({ deviceId: 'mirror-1', secret: 'x' }), { mode: 0o644 });
    const open = run({ POSE_AGENT_MQTT_CREDENTIALS_FILE: creds });
    expect(open.status).toBe(78);
    expect(open.stderr).toMatch(/readable by group or others \(mode 644\).*chmod 600/);
    t.cleanup();
  });
});

describe('config/desired applied live', () => {
  const current = loadConfig({ env: {} });

  it('applies live keys and reports what changed', () => {
    const r = applyDesired(current, { version: 4, config: { 'coach.exercise': 'pushup', telemetry: { intervalS: 10 } } });
    expect(r.ok && r.changed.sort()).toEqual(['coach.exercise', 'telemetry.intervalS']);
    expect(r.ok && reportedConfig(r.config)).toMatchObject({ 'coach.exercise': 'pushup', 'telemetry.intervalS': 10 });
  });

  it('refuses the whole message when a key cannot change live or a value is bad', () => {
    expect(applyDesired(current, { version: 5, config: { 'http.port': 1, 'coach.exercise': 'pushup' } })).toMatchObject({ ok: false, error: expect.stringMatching(/not changeable live: http\.port/) });
    expect(applyDesired(current, { version: 6, config: { 'coach.idleEndS': -3 } })).toMatchObject({ ok: false, error: expect.stringMatching(/coach\.idleEndS/) });
  });
});
