/**
 * Signed releases the gateway hands to mirrors: `<dir>/<kind>-<version>.json` (the manifest with
 * the fleet's signature, made by the operator's `pose-coach fleet release add`) next to
 * `<kind>-<version>.bundle`. The gateway checks size and sha256 on upload; the signature is the
 * mirror's to check (the gateway never holds the fleet's private key).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseManifestSchema, type ReleaseManifest } from '@pose-coach/protocol';
import { FleetError } from './fleetErrors.ts';

export const releaseName = (m: Pick<ReleaseManifest, 'kind' | 'version'>) => `${m.kind}-${m.version}`;

export function createReleases(dir: string) {
  mkdirSync(dir, { recursive: true });
  const manifestPath = (name: string) => join(dir, `${name}.json`);
  const bundlePath = (name: string) => join(dir, `${name}.bundle`);

  return {
    add(manifest: ReleaseManifest, bundle: Buffer): ReleaseManifest {
      const m = releaseManifestSchema.parse(manifest);
      if (bundle.length !== m.size) throw new FleetError('BAD_REQUEST', `the bundle has ${bundle.length} bytes, the manifest says ${m.size}`);
      const digest = createHash('sha256').update(bundle).digest('hex');
      if (digest !== m.sha256) throw new FleetError('BAD_REQUEST', `the bundle's sha256 is ${digest}, the manifest says ${m.sha256}`);
      const name = releaseName(m);
      if (existsSync(manifestPath(name))) throw new FleetError('CONFLICT', `release ${name} exists already; give a new version`);
      // Bundle first, manifest last: a release is listed only once both are complete.
      writeFileSync(`${bundlePath(name)}.tmp`, bundle);
      renameSync(`${bundlePath(name)}.tmp`, bundlePath(name));
      writeFileSync(`${manifestPath(name)}.tmp`, JSON.stringify(m));
      renameSync(`${manifestPath(name)}.tmp`, manifestPath(name));
      return m;
    },

    get(name: string): ReleaseManifest | undefined {
      if (!/^(model|app)-[A-Za-z0-9._+-]+$/.test(name) || !existsSync(manifestPath(name))) return undefined;
      return releaseManifestSchema.parse(JSON.parse(readFileSync(manifestPath(name), 'utf8')));
    },

    bundle(name: string): Buffer | undefined {
      return this.get(name) ? readFileSync(bundlePath(name)) : undefined;
    },

    list(): ReleaseManifest[] {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => this.get(f.slice(0, -'.json'.length)))
        .filter((m): m is ReleaseManifest => m !== undefined);
    },
  };
}

export type Releases = ReturnType<typeof createReleases>;
