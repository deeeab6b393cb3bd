/**
 * Installs a signed release (models or app files) on the mirror, as named steps:
 *   verify  — the bundle's size and sha256 match the manifest, and the manifest carries a valid
 *             Ed25519 signature by the fleet's key (nothing unsigned is ever unpacked);
 *   unpack  — into its slot (models: `<dataDir>/releases/model-<version>`; app: `app/releases/<version>`)
 *             under a temporary name, renamed when complete;
 *   swap    — the current link (`model-current`; `app/current`) is replaced atomically (a new link
 *             renamed over it); for the app, `app/previous` then names the release it replaced;
 *   selfTest— the caller's check of the new slot (a frame through inference);
 *   rollback— on a failed self-test the previous link is put back and the new slot removed.
 * A bundle is JSON `{files: {relativePath: base64}}`.
 */
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { z } from 'zod';
import type { ReleaseManifest } from '@pose-coach/protocol';
import { checkRelease } from '@pose-coach/protocol/release-signature';

export type UpdateFailure = 'size_mismatch' | 'sha256_mismatch' | 'bad_signature' | 'bad_bundle' | 'self_test_failed';

export class UpdateError extends Error {
  override name = 'UpdateError';
  constructor(
    readonly code: UpdateFailure,
    message: string,
    /** True when a swap had happened and the previous release was put back. */
    readonly rolledBack = false,
  ) {
    super(message);
  }
}

const bundleSchema = z.object({ files: z.record(z.string().min(1), z.string()) });

/** Where a release is unpacked and the link that names the current one. */
export interface ReleaseLayout {
  dir: string;
  link: string;
  /** A link kept to the release the new one replaced (app releases: for a manual rollback). */
  previousLink?: string;
}

/** Model releases (and the default): `<root>/<kind>-<version>` beside the link `<root>/<kind>-current`, `<root>/<kind>-previous`. */
export function modelReleaseLayout(root: string, manifest: Pick<ReleaseManifest, 'kind' | 'version'>): ReleaseLayout {
  return { dir: join(root, `${manifest.kind}-${manifest.version}`), link: join(root, `${manifest.kind}-current`), previousLink: join(root, `${manifest.kind}-previous`) };
}

/** App releases: `<appRoot>/releases/<version>`, links `<appRoot>/current` and `<appRoot>/previous`. */
export function appReleaseLayout(appRoot: string, version: string): ReleaseLayout {
  return { dir: join(appRoot, 'releases', version), link: join(appRoot, 'current'), previousLink: join(appRoot, 'previous') };
}

export interface InstallOptions {
  /** Where model releases and the `model-current` link live, e.g. <dataDir>/releases. */
  root: string;
  /** Where this release goes; default modelReleaseLayout(root, manifest). */
  layout?: ReleaseLayout;
  manifest: ReleaseManifest;
  bundle: Buffer;
  /** PEM of the fleet's Ed25519 public key. */
  publicKeyPem: string;
  /** Completes the unpacked tree before it is swapped in (app releases: links to the installed packages). */
  prepare?(dir: string): void;
  /** Throws when the newly installed directory does not work. */
  selfTest(dir: string): Promise<void>;
}

export interface Installed {
  dir: string;
  previous?: string;
}

export function verifyRelease(manifest: ReleaseManifest, bundle: Buffer, publicKeyPem: string): void {
  const refused = checkRelease(manifest, bundle, publicKeyPem);
  if (refused) throw new UpdateError(refused.code, refused.message);
}

function unpack(bundle: Buffer, into: string): void {
  let parsed;
  try {
    parsed = bundleSchema.parse(JSON.parse(bundle.toString('utf8')));
  } catch {
    throw new UpdateError('bad_bundle', 'the release bundle is not JSON {files: {path: base64}}');
  }
  for (const [rel, data] of Object.entries(parsed.files)) {
    const clean = normalize(rel);
    if (isAbsolute(clean) || clean.startsWith(`..${sep}`) || clean === '..') throw new UpdateError('bad_bundle', `the release bundle names a file outside its folder: ${rel}`);
    const target = join(into, clean);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(data, 'base64'));
  }
}

/** Points `link` at `target` atomically: a fresh link renamed over the old one (rename(2) is atomic). */
export function swapLink(link: string, target: string): void {
  const tmp = `${link}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}

export async function installRelease(o: InstallOptions): Promise<Installed> {
  verifyRelease(o.manifest, o.bundle, o.publicKeyPem);
  const { dir, link, previousLink } = o.layout ?? modelReleaseLayout(o.root, o.manifest);
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dirname(link), { recursive: true });

  const staging = `${dir}.${process.pid}.partial`;
  rmSync(staging, { recursive: true, force: true });
  try {
    unpack(o.bundle, staging);
    o.prepare?.(staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);

  const previous = existsSync(link) ? readlinkSync(link) : undefined;
  swapLink(link, dir);
  try {
    await o.selfTest(link);
  } catch (err) {
    if (previous) swapLink(link, previous);
    else rmSync(link, { force: true });
    if (previous !== dir) rmSync(dir, { recursive: true, force: true });
    throw new UpdateError('self_test_failed', `release ${o.manifest.version} failed its self-test (${(err as Error).message}); ${previous ? 'the previous release is back' : 'nothing installed'}`, true);
  }
  if (previousLink && previous && previous !== dir) swapLink(previousLink, previous);
  return { dir, ...(previous ? { previous } : {}) };
}
