/**
 * `pose-coach fleet …`: the operator's view of the fleet, through the gateway's fleet API.
 * The gateway address and the admin token come from the environment (the token is never printed).
 */
import { parseArgs } from 'node:util';
import type { FleetDeviceView, RolloutRequest } from '@pose-coach/protocol';
import { readFileSync, writeFileSync } from 'node:fs';
import { createFleetApiClient, FleetApiError } from './fleetApiClient.ts';
import { APP_BUNDLE_SKIP, bundleFolder, newFleetKeyPair, signRelease } from './signRelease.ts';

export const FLEET_USAGE = `usage: pose-coach fleet <command> [--json]
  list [--group G] [--status online|offline|unknown]   every mirror: status, versions, last seen, outbox
  show <deviceId>                                      one mirror: desired/reported config, recent commands
  group <deviceId> <group|->                           moves a mirror to a group ('-': none)
  label <deviceId> [--name N] [--room R]               names a mirror and its room ('-': clear)
  config                                               every layer of desired configuration
  config set <scope> key=value ...                     scope: fleet | group:<name> | device:<id>; values are JSON or text
  config unset <scope> key ...
  cmd <deviceId> <name> [key=value ...] [--timeout MS] restart-agent, restart-camera, end-session, diagnostics, unpair
  claim create --uses N [--ttl SECONDS] [--group G]    a claim token for mirror images (shown once)
  claim list | claim revoke <claimId>
  release keygen <path>                                a fleet key pair: <path>.key (private, mode 600) and <path>.pub (for images)
  release add <folder> --kind model|app --version V --key <path>.key   signs the folder and uploads it
  release list
  rollout <release> [--group G] [--percent P] [--canary N|P%] [--wave N|P%] [--concurrency N]
          [--max-failures N] [--max-failure-rate P]   e.g. model-1.2.0: a canary (default 1 mirror) alone, then waves
                                                      (default 10%) doubling while failures stay under the thresholds
                                                      (default 0 mirrors, 10 %); waits and prints progress
  rollout status [rolloutId]
  rollout pause|resume|abort <rolloutId>
environment: POSE_COACH_FLEET_URL (default http://127.0.0.1:8080), FLEET_ADMIN_TOKEN (required)`;

/** `key=value` pairs; a value that parses as JSON (numbers, booleans, lists) is taken as such. */
export function parseAssignments(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`expected key=value, got ${JSON.stringify(p)}`);
    const raw = p.slice(i + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text
    }
    out[p.slice(0, i)] = value;
  }
  return out;
}

function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

export function formatDeviceTable(devices: FleetDeviceView[]): string {
  const head = ['DEVICE', 'NAME', 'GROUP', 'STATUS', 'LAST SEEN', 'MODEL', 'APP', 'OUTBOX', 'CONFIG', 'RELEASES', 'LAST UPDATE'];
  const rows = devices.map((d) => [
    d.deviceId,
    d.name ?? '-',
    d.group ?? '-',
    d.status === 'offline' && d.offlineReason ? `offline (${d.offlineReason})` : d.status,
    ago(d.lastSeen),
    d.model ?? '-',
    d.appVersion ?? '-',
    d.outboxDepth === undefined ? '-' : String(d.outboxDepth),
    d.configError ? `v${d.reportedVersion} refused` : d.reportedVersion === d.desiredVersion ? `v${d.desiredVersion}` : `v${d.reportedVersion ?? '-'}→v${d.desiredVersion}`,
    d.appRelease || d.modelRelease ? [d.appRelease ? `app-${d.appRelease}` : '', d.modelRelease ? `model-${d.modelRelease}` : ''].filter(Boolean).join(' ') : '-',
    d.lastUpdate ? `${d.lastUpdate.kind}-${d.lastUpdate.version} ${d.lastUpdate.outcome}` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export async function fleetCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      group: { type: 'string' },
      status: { type: 'string' },
      timeout: { type: 'string' },
      uses: { type: 'string' },
      ttl: { type: 'string' },
      kind: { type: 'string' },
      name: { type: 'string' },
      room: { type: 'string' },
      version: { type: 'string' },
      key: { type: 'string' },
      percent: { type: 'string' },
      'max-failures': { type: 'string' },
      'max-failure-rate': { type: 'string' },
      canary: { type: 'string' },
      wave: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || values.help) {
    out(FLEET_USAGE);
    // Asked for help: success; no command at all: a usage error.
    return values.help ? 0 : 2;
  }
  if (command === 'release' && rest[0] === 'keygen' && rest[1]) {
    // Offline: needs neither the gateway nor the admin token.
    const pair = newFleetKeyPair();
    writeFileSync(`${rest[1]}.key`, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
    writeFileSync(`${rest[1]}.pub`, pair.publicKeyPem, { flag: 'wx' });
    out(`fleet key pair: ${rest[1]}.key (keep it with the operators) and ${rest[1]}.pub (goes into mirror images)`);
    return 0;
  }
  const adminToken = env.FLEET_ADMIN_TOKEN;
  if (!adminToken) throw new Error('FLEET_ADMIN_TOKEN is not set: the fleet API only lets operators in with it');
  const api = createFleetApiClient({ baseUrl: env.POSE_COACH_FLEET_URL || 'http://127.0.0.1:8080', adminToken });
  const print = (v: unknown, text: () => string) => out(values.json ? JSON.stringify(v, null, 2) : text());

  try {
    switch (command) {
      case 'list': {
        const { devices } = await api.list({ group: values.group, status: values.status });
        const online = devices.filter((d) => d.status === 'online').length;
        print(devices, () => `${formatDeviceTable(devices)}\n${devices.length} mirror(s), ${online} online`);
        return 0;
      }
      case 'show': {
        if (!rest[0]) break;
        const r = await api.show(rest[0]);
        print(r, () => JSON.stringify(r, null, 2));
        return 0;
      }
      case 'group': {
        if (rest.length !== 2) break;
        const r = await api.setGroup(rest[0]!, rest[1] === '-' ? null : rest[1]!);
        print(r, () => `${rest[0]} is in group ${r.device.group ?? '(none)'}; desired config v${r.desired.version}`);
        return 0;
      }
      case 'label': {
        if (!rest[0] || (values.name === undefined && values.room === undefined)) break;
        const clear = (v: string | undefined) => (v === undefined ? undefined : v === '-' ? null : v);
        const r = await api.label(rest[0], { name: clear(values.name), room: clear(values.room) });
        print(r, () => `${rest[0]}: name ${r.device.name ?? '(none)'}, room ${r.device.room ?? '(none)'}`);
        return 0;
      }
      case 'config': {
        if (rest.length === 0) {
          const r = await api.layers();
          print(r, () => r.layers.map((l: { scope: string; version: number; config: unknown }) => `${l.scope}\tv${l.version}\t${JSON.stringify(l.config)}`).join('\n') || 'no configuration layers');
          return 0;
        }
        const [verb, scope, ...pairs] = rest;
        if (!scope || pairs.length === 0 || (verb !== 'set' && verb !== 'unset')) break;
        const set = verb === 'set' ? parseAssignments(pairs) : Object.fromEntries(pairs.map((k) => [k, null]));
        const r = await api.setConfig(scope, set);
        print(r, () => `${scope} is now v${r.version}: ${JSON.stringify(r.layer.config)}`);
        return 0;
      }
      case 'cmd': {
        const [deviceId, name, ...pairs] = rest;
        if (!deviceId || !name) break;
        const timeoutMs = values.timeout ? Number(values.timeout) : undefined;
        if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new Error(`--timeout must be milliseconds, got ${values.timeout}`);
        const r = await api.command(deviceId, name, pairs.length ? parseAssignments(pairs) : undefined, timeoutMs);
        print(r, () => `${name} on ${deviceId}: ${r.command.state}${r.command.error ? ` — ${r.command.error}` : ''}${r.command.result !== undefined ? `\n${JSON.stringify(r.command.result, null, 2)}` : ''}`);
        return r.command.state === 'ok' ? 0 : 1;
      }
      case 'claim': {
        const [verb, id] = rest;
        if (verb === 'list') {
          const r = await api.claims();
          print(r, () =>
            r.claims
              .map((c: { claimId: string; usedCount: number; maxUses: number; group?: string; expiresAt?: string; revokedAt?: string }) =>
                `${c.claimId}\t${c.usedCount}/${c.maxUses} used\t${c.group ?? '-'}\t${c.revokedAt ? 'revoked' : c.expiresAt ? `expires ${c.expiresAt}` : 'no expiry'}`,
              )
              .join('\n') || 'no claims',
          );
          return 0;
        }
        if (verb === 'create') {
          const maxUses = Number(values.uses);
          if (!Number.isInteger(maxUses) || maxUses < 1) throw new Error('claim create needs --uses N (how many mirrors may use it)');
          const r = await api.createClaim({ maxUses, ...(values.ttl ? { ttlS: Number(values.ttl) } : {}), ...(values.group ? { group: values.group } : {}) });
          print(r, () => `claim ${r.claimId} (${maxUses} use(s)${r.expiresAt ? `, until ${r.expiresAt}` : ''}); token, shown once:\n${r.claimToken}`);
          return 0;
        }
        if (verb === 'revoke' && id) {
          await api.revokeClaim(id);
          print({ claimId: id, revoked: true }, () => `claim ${id} revoked`);
          return 0;
        }
        break;
      }
      case 'release': {
        const [verb, folder] = rest;
        if (verb === 'list') {
          const r = await api.releases();
          print(r, () => r.releases.map((m: { kind: string; version: string; size: number; sha256: string }) => `${m.kind}-${m.version}\t${m.size} bytes\tsha256 ${m.sha256}`).join('\n') || 'no releases');
          return 0;
        }
        if (verb !== 'add' || !folder) break;
        if (values.kind !== 'model' && values.kind !== 'app') throw new Error('release add needs --kind model or --kind app');
        if (!values.version) throw new Error('release add needs --version');
        if (!values.key) throw new Error('release add needs --key <fleet private key file> (pose-coach fleet release keygen makes one)');
        const bundle = bundleFolder(folder, values.kind === 'app' ? { skip: APP_BUNDLE_SKIP } : {});
        const manifest = signRelease({ kind: values.kind, version: values.version, bundle, privateKeyPem: readFileSync(values.key, 'utf8') });
        const r = await api.addRelease(manifest, bundle);
        print(r, () => `release ${manifest.kind}-${manifest.version} uploaded (${manifest.size} bytes, sha256 ${manifest.sha256})`);
        return 0;
      }
      case 'rollout': {
        const progress = (r: Record<string, any>) =>
          `${r.id} ${r.release}${r.group ? ` group ${r.group}` : ''} ${r.percent}%: ${r.state} (${r.stage}) — ${r.succeeded} ok, ${r.failed} failed, ${r.skippedOffline} offline skipped, ${r.sent}/${r.targets} sent${r.reason ? `; ${r.reason}` : ''}`;
        if (rest[0] === 'status') {
          const list = rest[1] ? [(await api.rollout(rest[1])).rollout] : (await api.rollouts()).rollouts;
          print(list, () => list.map(progress).join('\n') || 'no rollouts');
          return 0;
        }
        if ((rest[0] === 'pause' || rest[0] === 'resume' || rest[0] === 'abort') && rest[1]) {
          const r = (await api.rolloutAction(rest[1], rest[0])).rollout;
          print(r, () => progress(r));
          return 0;
        }
        if (!rest[0]) break;
        const num = (flag: string, v: string | undefined) => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be a number, got ${v}`);
          return n;
        };
        const step = (flag: string, v: string | undefined) => (v === undefined ? undefined : v.endsWith('%') ? v : num(flag, v));
        const body = Object.fromEntries(
          Object.entries({
            release: rest[0],
            group: values.group,
            percent: num('percent', values.percent),
            canary: step('canary', values.canary),
            wave: step('wave', values.wave),
            concurrency: num('concurrency', values.concurrency),
            maxFailures: num('max-failures', values['max-failures']),
            maxFailureRate: num('max-failure-rate', values['max-failure-rate']),
          }).filter(([, v]) => v !== undefined),
        ) as RolloutRequest;
        let r = (await api.startRollout(body)).rollout;
        if (!values.json) out(progress(r));
        while (r.state === 'running' || r.state === 'paused') {
          await new Promise((res) => setTimeout(res, 1000));
          r = (await api.rollout(r.id)).rollout;
        }
        print(r, () => `${progress(r)}${r.failures.length ? `\n${r.failures.map((f: { deviceId: string; error: string }) => `  ${f.deviceId}: ${f.error}`).join('\n')}` : ''}`);
        return r.state === 'done' ? 0 : 1;
      }
    }
  } catch (err) {
    if (err instanceof FleetApiError) throw new Error(err.message);
    throw err;
  }
  out(FLEET_USAGE);
  return 2;
}
