/**
 * `pose-coach fleet` against a real gateway: claims, the device table, config layers and
 * commands, refusals without the admin token, and the command wired into the `pose-coach` binary.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor, type Command } from '@pose-coach/protocol';
import { fleetCommand } from '../src/fleet/fleetCommand.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { waitUntil } from './outbox-fixtures.ts';

const ADMIN = 'fleet-admin-token-for-cli-tests-012345';
const repoRoot = resolve(import.meta.dirname, '../..');

describe('pose-coach fleet', () => {
  let tg: TestGateway;
  let env: NodeJS.ProcessEnv;
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await fleetCommand(argv, env, (s) => lines.push(s));
    return { code, text: lines.join('\n') };
  };

  // The fleet key is made by the test's `release keygen`; the gateway reads its public half at each upload.
  const keyDir = mkdtempSync(join(tmpdir(), 'pc-fleet-cli-'));
  beforeAll(async () => {
    tg = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, FLEET_RELEASE_KEY_FILE: join(keyDir, 'fleet.pub') });
    env = { POSE_COACH_FLEET_URL: `http://127.0.0.1:${tg.gateway.httpPort}`, FLEET_ADMIN_TOKEN: ADMIN };
  }, 60_000);
  afterAll(async () => {
    await tg?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }, 30_000);

  it('creates a claim, lists the claimed mirror with its status and versions, and runs a command on it', async () => {
    const created = await run('claim', 'create', '--uses', '2', '--group', 'gym-north');
    const token = created.text.split('\n').at(-1)!;
    expect(token).toMatch(/^pcclaim_/);
    const res = await fetch(`${env.POSE_COACH_FLEET_URL}/fleet/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ claimToken: token, name: 'North-1' }),
    });
    const { deviceId, secret } = (await res.json()) as { deviceId: string; secret: string };
    const mirror = await tg.connect(deviceId, secret);
    mirror.publish(topicFor('telemetry', deviceId), JSON.stringify({ model: 'movenet-thunder', appVersion: '0.3.1', outboxDepth: 2 }));
    await mirror.subscribeAsync(topicFor('cmd', deviceId), { qos: 1 });
    mirror.on('message', (topic, payload) => {
      if (topic !== topicFor('cmd', deviceId)) return;
      const cmd = JSON.parse(payload.toString()) as Command;
      mirror.publish(topicFor('cmdAck', deviceId), JSON.stringify({ id: cmd.id, ok: true, result: { args: cmd.args } }), { qos: 1 });
    });
    // The table shows the mirror once the gateway has taken its telemetry.
    const list = await waitUntil('the mirror listed with its telemetry', async () => {
      const l = await run('list', '--group', 'gym-north');
      const r = l.text.split('\n').find((line) => line.startsWith(deviceId));
      return r?.includes(' online ') && r.includes('movenet-thunder') ? l : undefined;
    }, 15_000);
    expect(list.code).toBe(0);
    const row = list.text.split('\n').find((l) => l.startsWith(deviceId))!;
    expect(row).toMatch(/North-1\s+gym-north\s+online\s+\d+s ago\s+movenet-thunder\s+0\.3\.1\s+2/);
    expect(list.text).toContain('1 mirror(s), 1 online');

    expect((await run('label', deviceId, '--room', 'Studio 2')).text).toBe(`${deviceId}: name North-1, room Studio 2`);
    expect((await run('list', '--json')).text).toContain('"room": "Studio 2"');
    const set = await run('config', 'set', 'group:gym-north', 'coach.idleEndS=12', 'coach.exercise=squat');
    expect(set.text).toMatch(/group:gym-north is now v\d+: \{"coach.idleEndS":12,"coach.exercise":"squat"\}/);
    const shown = JSON.parse((await run('show', deviceId)).text);
    expect(shown.desired.config).toEqual({ 'coach.idleEndS': 12, 'coach.exercise': 'squat' });

    const cmd = await run('cmd', deviceId, 'diagnostics', 'verbose=true', '--timeout', '3000');
    expect(cmd.code).toBe(0);
    expect(cmd.text).toContain('diagnostics on');
    expect(cmd.text).toContain('"verbose": true');
    await mirror.endAsync();
  });

  it('refuses without the admin token, and passes on the gateway\'s reason for a refusal', async () => {
    await expect(fleetCommand(['list'], { POSE_COACH_FLEET_URL: env.POSE_COACH_FLEET_URL })).rejects.toThrow(/FLEET_ADMIN_TOKEN is not set/);
    await expect(fleetCommand(['list'], { ...env, FLEET_ADMIN_TOKEN: 'a-wrong-token-of-some-length' }, () => undefined)).rejects.toThrow(/wrong fleet admin token \(401 ADMIN_REQUIRED\)/);
    await expect(run('config', 'set', 'nonsense', 'a=1')).rejects.toThrow(/expected fleet, group:<name> or device:<deviceId> \(400 BAD_REQUEST\)/);
    expect((await run('config', 'set', 'fleet')).code).toBe(2); // nothing to set: the usage
  });

  it('makes a fleet key, signs and uploads a release, and rolls it out (offline mirrors skipped)', async () => {
    const dir = keyDir;
    {
      expect((await run('release', 'keygen', join(dir, 'fleet'))).code).toBe(0);
      expect(statSync(join(dir, 'fleet.key')).mode & 0o777).toBe(0o600);
      mkdirSync(join(dir, 'model'));
      writeFileSync(join(dir, 'model', 'model.json'), '{"format":"graph-model"}');
      const added = await run('release', 'add', join(dir, 'model'), '--kind', 'model', '--version', '5.0.0', '--key', join(dir, 'fleet.key'));
      expect(added.text).toMatch(/release model-5\.0\.0 uploaded \(\d+ bytes, sha256 [0-9a-f]{64}\)/);
      const { deviceId } = await tg.provision();
      await run('group', deviceId, 'cli-rollout');
      const rolled = await run('rollout', 'model-5.0.0', '--group', 'cli-rollout', '--max-failures', '0');
      expect(rolled.code).toBe(0);
      expect(rolled.text.split('\n').at(-1)).toMatch(/model-5\.0\.0 group cli-rollout 100%: done \(canary\) — 0 ok, 0 failed, 1 offline skipped, 0\/1 sent/);
      await expect(run('rollout', 'model-9.9.9')).rejects.toThrow(/no release model-9\.9\.9/);
      // Staged: canary, wave and concurrency from the command line; an ended rollout cannot be aborted.
      const staged = await run('rollout', 'model-5.0.0', '--group', 'cli-rollout', '--canary', '1', '--wave', '50%', '--concurrency', '2', '--json');
      const r = JSON.parse(staged.text) as { id: string; canary: unknown; wave: unknown; concurrency: number; state: string };
      expect(r).toMatchObject({ canary: 1, wave: '50%', concurrency: 2, state: 'done' });
      await expect(run('rollout', 'abort', r.id)).rejects.toThrow(/has ended \(done\); start a new one \(409 CONFLICT\)/);
      await expect(run('rollout', 'model-5.0.0', '--wave', 'lots')).rejects.toThrow(/--wave must be a number, got lots/);
    }
  });

  it('is a subcommand of the pose-coach binary', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [resolve(repoRoot, 'bin/pose-coach.js'), 'fleet', 'list', '--json'], { env: { ...process.env, ...env }, cwd: repoRoot });
    const devices = JSON.parse(stdout) as { deviceId: string }[];
    expect(devices.length).toBeGreaterThan(0);
  }, 30_000);
});
