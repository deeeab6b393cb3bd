/**
 * Signed releases the gateway hands to mirrors: `<dir>/<kind>-<version>.json` (the manifest with
 * the fleet's signature, made by the operator's `pose-coach fleet release add`) next to
 * `<kind>-<version>.bundle`. On upload the gateway checks size, sha256 and the signature against
 * the fleet's PUBLIC key (FLEET_RELEASE_KEY_FILE) with the same check the mirror makes again
 * before installing; it never holds the private key. Without the public key, uploads are refused.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseManifestSchema, type ReleaseManifest } from '@pose-coach/protocol';
import { checkRelease } from '@pose-coach/protocol/release-signature';
import { FleetError } from './fleetErrors.ts';

export const releaseName = (m: Pick<ReleaseManifest, 'kind' | 'version'>) => `${m.kind}-${m.version}`;

/** `keyFile`: the fleet's public key, read at each upload (placing or replacing it needs no restart). */
export function createReleases(dir: string, keyFile: string | undefined) {
  mkdirSync(dir, { recursive: true });
  const manifestPath = (name: string) => join(dir, `${name}.json`);
  const bundlePath = (name: string) => join(dir, `${name}.bundle`);

  return {
    add(manifest: ReleaseManifest, bundle: Buffer): ReleaseManifest {
      const m = releaseManifestSchema.parse(manifest);
      if (!keyFile) throw new FleetError('RELEASE_KEY_MISSING', "release uploads are refused: FLEET_RELEASE_KEY_FILE (the fleet's public key) is not set on the gateway");
      let publicKeyPem: string;
      try {
        publicKeyPem = readFileSync(keyFile, 'utf8');
      } catch (err) {
        throw new FleetError('RELEASE_KEY_MISSING', `release uploads are refused: the fleet's public key ${keyFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      const refused = checkRelease(m, bundle, publicKeyPem);
      if (refused) throw new FleetError('RELEASE_REFUSED', `release refused (${refused.code}): ${refused.message}`);
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
