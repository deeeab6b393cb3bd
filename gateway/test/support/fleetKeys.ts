/**
 * A fleet key pair for a test file: the public half written to a file for the gateway's
 * FLEET_RELEASE_KEY_FILE (and a mirror's fleet.releaseKeyFile), the private half to sign releases.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseSigningText, type ReleaseManifest } from '@pose-coach/protocol';

export function testFleetKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyFile = join(mkdtempSync(join(tmpdir(), 'pc-fleet-key-')), 'fleet.pub');
  writeFileSync(keyFile, publicKeyPem);
  return {
    publicKeyPem,
    privateKeyPem,
    keyFile,
    /** A manifest for `bundle`, signed with this pair. */
    sign(kind: 'model' | 'app', version: string, bundle: Buffer): ReleaseManifest {
      const unsigned = { kind, version, sha256: createHash('sha256').update(bundle).digest('hex'), size: bundle.length };
      return { ...unsigned, signature: sign(null, Buffer.from(releaseSigningText(unsigned)), privateKey).toString('base64') };
    },
  };
}
