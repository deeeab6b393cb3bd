/**
 * The one check of a signed release, made by the gateway on upload and again by the mirror before
 * it unpacks anything: the bundle's size and sha256 match the manifest, and the manifest carries an
 * Ed25519 signature by the fleet's key over `releaseSigningText`. Node only (node:crypto), hence its
 * own entry point (`@pose-coach/protocol/release-signature`), kept out of the browser bundles.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { releaseSigningText, type ReleaseManifest } from './fleet.ts';

export type ReleaseRefusal = 'size_mismatch' | 'sha256_mismatch' | 'bad_signature';

/** undefined when the release is intact and signed by `publicKeyPem`; else why not. */
export function checkRelease(manifest: ReleaseManifest, bundle: Buffer, publicKeyPem: string): { code: ReleaseRefusal; message: string } | undefined {
  const name = `${manifest.kind} release ${manifest.version}`;
  if (bundle.length !== manifest.size) return { code: 'size_mismatch', message: `${name}: ${bundle.length} bytes, the manifest says ${manifest.size}` };
  const digest = createHash('sha256').update(bundle).digest('hex');
  if (digest !== manifest.sha256) return { code: 'sha256_mismatch', message: `${name}: sha256 ${digest} is not the manifest's ${manifest.sha256}` };
  let ok = false;
  try {
    ok = verify(null, Buffer.from(releaseSigningText(manifest)), createPublicKey(publicKeyPem), Buffer.from(manifest.signature, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? undefined : { code: 'bad_signature', message: `${name} is not signed by this fleet's key` };
}
