/**
 * The mirror's `update` command: download the release the rollout names from the gateway (HTTP
 * Basic with the mirror's own credentials), then install it (installRelease.ts: signature and
 * sha256 checked, atomic swap, self-test, rollback by itself). The ack carries what is installed,
 * or why not.
 */
import { releaseManifestSchema, describeIssues } from '@pose-coach/protocol';
import { appReleaseLayout, installRelease } from './installRelease.ts';
import { gatewayRequest } from './gatewayRequest.ts';
import { linkInstalledDependencies } from './linkDependencies.ts';

export interface UpdateCommandOptions {
  gatewayHttpUrl: string;
  deviceId: string;
  secret: string;
  /** Where model releases and the `model-current` link live. */
  root: string;
  /** Where app releases live (`releases/<version>`, links `current` and `previous`); absent: app releases are refused. */
  appRoot?: string;
  /** The installed app whose node_modules an app release borrows (linkDependencies.ts); absent: the release carries its own. */
  appInstallRoot?: string;
  publicKeyPem: string;
  selfTest(kind: 'model' | 'app', dir: string): Promise<void>;
  downloadTimeoutMs?: number;
  /** PEM of the gateway's CA, for an https gatewayHttpUrl. */
  ca?: Buffer | string;
}

export function createUpdateCommand(o: UpdateCommandOptions) {
  const auth = `Basic ${Buffer.from(`${o.deviceId}:${o.secret}`).toString('base64')}`;
  return async (args: Record<string, unknown>) => {
    const m = releaseManifestSchema.safeParse(args.manifest);
    if (!m.success) throw new Error(`update without a valid release manifest: ${describeIssues(m.error)}`);
    if (m.data.kind === 'app' && !o.appRoot) throw new Error('this mirror does not install app releases (no app folder configured)');
    const path = args.path;
    if (typeof path !== 'string' || !path.startsWith('/fleet/releases/')) throw new Error('update without the path of the release on the gateway');
    const url = `${o.gatewayHttpUrl.replace(/\/$/, '')}${path}`;
    const res = await gatewayRequest(url, { method: 'GET', headers: { authorization: auth }, ...(o.ca ? { ca: o.ca } : {}), timeoutMs: o.downloadTimeoutMs ?? 300_000 });
    if (res.status !== 200) throw new Error(`download of ${url} failed: ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
    const bundle = res.body;
    const installRoot = o.appInstallRoot;
    const layout =
      m.data.kind === 'app'
        ? { layout: appReleaseLayout(o.appRoot!, m.data.version), ...(installRoot ? { prepare: (dir: string) => linkInstalledDependencies(dir, installRoot) } : {}) }
        : {};
    const installed = await installRelease({ root: o.root, ...layout, manifest: m.data, bundle, publicKeyPem: o.publicKeyPem, selfTest: (dir) => o.selfTest(m.data.kind, dir) });
    return { kind: m.data.kind, version: m.data.version, dir: installed.dir, ...(installed.previous ? { previous: installed.previous } : {}) };
  };
}
