/**
 * The operator's side of a release: a folder packed into a bundle (`{files: {path: base64}}`) and
 * a manifest signed with the fleet's Ed25519 private key, which never leaves the operator.
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { releaseSigningText, type ReleaseManifest } from '@pose-coach/protocol';

/** Folders an app release never carries: its packages come from the installed app (linkDependencies.ts). */
export const APP_BUNDLE_SKIP = ['node_modules', '.git'];

/** `skip`: folder names left out at any depth (an app tree: APP_BUNDLE_SKIP). */
export function bundleFolder(dir: string, o: { skip?: string[] } = {}): Buffer {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && o.skip?.includes(e.name)) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files[relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  if (Object.keys(files).length === 0) throw new Error(`${dir} holds no files to release`);
  return Buffer.from(JSON.stringify({ files }));
}

export function signRelease(o: { kind: 'model' | 'app'; version: string; bundle: Buffer; privateKeyPem: string }): ReleaseManifest {
  const unsigned = { kind: o.kind, version: o.version, sha256: createHash('sha256').update(o.bundle).digest('hex'), size: o.bundle.length };
  const signature = sign(null, Buffer.from(releaseSigningText(unsigned)), createPrivateKey(o.privateKeyPem)).toString('base64');
  return { ...unsigned, signature };
}

/** A new fleet key pair (PEM): the private one for the operator, the public one for mirror images. */
export function newFleetKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
