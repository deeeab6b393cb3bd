/**
 * bench/fleet/rollout: staged rollouts on a simulated fleet (one in-process gateway, mirrors as raw
 * MQTT clients over loopback that "install" an update in --install-ms and ack it).
 *
 *   npx tsx bench/fleet/rollout.ts [--mirrors 200] [--install-ms 500]
 *
 * Figures per scenario: wall time to the end of the rollout, how many mirrors were sent the
 * release, and, for a release every mirror fails, how many got it before the rollout stopped.
 * The "flat" rows are the old behaviour (everybody at once, 10 at a time) as the baseline.
 */
import { parseArgs } from 'node:util';
import { commandSchema, topicFor } from '@pose-coach/protocol';
import { startTestGateway } from '../../gateway/test/support/testGateway.ts';
import { testFleetKeys } from '../../gateway/test/support/fleetKeys.ts';

const { values: args } = parseArgs({ options: { mirrors: { type: 'string', default: '200' }, 'install-ms': { type: 'string', default: '500' } } });
const N = Number(args.mirrors);
const INSTALL_MS = Number(args['install-ms']);
const ADMIN = 'fleet-admin-token-for-rollout-bench';
const keys = testFleetKeys();
const tg = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, FLEET_RELEASE_KEY_FILE: keys.keyFile });
const base = `http://127.0.0.1:${tg.gateway.httpPort}`;
const api = async (method: string, path: string, body?: unknown) =>
  (await (await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) })).json()) as Record<string, any>;

const got = new Map<string, number>(); // release version → mirrors sent it
for (let i = 0; i < N; i++) {
  const { deviceId, secret } = await tg.gateway.registry.create({ deviceId: `bench-${String(i).padStart(5, '0')}` });
  await api('PATCH', `/fleet/api/devices/${deviceId}`, { group: 'bench' });
  const c = await tg.connect(deviceId, secret);
  await c.subscribeAsync(topicFor('cmd', deviceId), { qos: 1 });
  c.on('message', (_t, payload) => {
    const cmd = commandSchema.parse(JSON.parse(payload.toString()));
    const version = String((cmd.args?.manifest as { version?: string } | undefined)?.version);
    got.set(version, (got.get(version) ?? 0) + 1);
    const ok = !version.startsWith('bad');
    setTimeout(() => c.publish(topicFor('cmdAck', deviceId), JSON.stringify({ id: cmd.id, ok, ...(ok ? {} : { error: 'self-test failed' }) }), { qos: 1 }), INSTALL_MS);
  });
}

async function run(name: string, version: string, staging: Record<string, unknown>) {
  const bundle = Buffer.from(JSON.stringify({ files: { 'model.json': Buffer.from(version).toString('base64') } }));
  await api('POST', '/fleet/api/releases', { manifest: keys.sign('model', version, bundle), bundle: bundle.toString('base64') });
  const t0 = Date.now();
  let r = (await api('POST', '/fleet/api/rollouts', { release: `model-${version}`, group: 'bench', ...staging })).rollout;
  while (r.state === 'running') {
    await new Promise((res) => setTimeout(res, 50));
    r = (await api('GET', `/fleet/api/rollouts/${r.id}`)).rollout;
  }
  // Let late sends (none expected) show up before counting.
  await new Promise((res) => setTimeout(res, INSTALL_MS + 500));
  return { name, state: r.state, stage: r.stage, sent: r.sent, got: got.get(version) ?? 0, s: ((Date.now() - t0 - INSTALL_MS - 500) / 1000).toFixed(1) };
}

const rows = [
  await run('flat (old: all at once, 10 at a time), good release', 'good-1', { canary: '100%', concurrency: 10 }),
  await run('staged defaults (canary 1, waves from 10%, 5 at a time), good release', 'good-2', {}),
  await run('staged, canary 1, waves from 10%, 20 at a time, good release', 'good-3', { concurrency: 20 }),
  await run('flat (old), release every mirror fails, --max-failures 0', 'bad-1', { canary: '100%', concurrency: 10 }),
  await run('staged defaults, release every mirror fails', 'bad-2', {}),
];
console.log(`\n${N} mirrors, install ${INSTALL_MS} ms each\n`);
console.log('| scenario | end | stage | sent | mirrors that got it | time s |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.state} | ${r.stage} | ${r.sent} | ${r.got} | ${r.s} |`);
await tg.stop();
process.exit(0);
