/**
 * Installing a signed release on the mirror: only a bundle whose size, sha256 and fleet signature
 * match is unpacked; the current link swaps atomically; a failed self-test puts the previous
 * release back by itself.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseSigningText, type ReleaseManifest } from '@pose-coach/protocol';
import { installRelease, UpdateError } from '../src/fleet/installRelease.ts';
import { tempDir } from './outbox-fixtures.ts';

const fleetKey = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');
const publicKeyPem = fleetKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function release(version: string, files: Record<string, string>, key: KeyObject = fleetKey.privateKey): { manifest: ReleaseManifest; bundle: Buffer } {
  const bundle = Buffer.from(JSON.stringify({ files: Object.fromEntries(Object.entries(files).map(([p, s]) => [p, Buffer.from(s).toString('base64')])) }));
  const unsigned = { kind: 'model' as const, version, sha256: createHash('sha256').update(bundle).digest('hex'), size: bundle.length };
  return { bundle, manifest: { ...unsigned, signature: sign(null, Buffer.from(releaseSigningText(unsigned)), key).toString('base64') } };
}

const passes = async () => undefined;
const t = tempDir('fleet-update');
afterAll(() => t.cleanup());

describe('installing a release', () => {
  const root = join(t.dir, 'root');
  const link = join(root, 'model-current');

  it('unpacks a signed release and points the current link at it', async () => {
    const r = release('1.0.0', { 'model.json': '{"v":1}', 'group1-shard1of1.bin': 'weights-1' });
    const seen: string[] = [];
    await installRelease({ root, ...r, publicKeyPem, selfTest: async (dir) => void seen.push(readFileSync(join(dir, 'model.json'), 'utf8')) });
    expect(seen).toEqual(['{"v":1}']);
    expect(readlinkSync(link)).toBe(join(root, 'model-1.0.0'));
  });

  it('refuses a tampered bundle, a wrong size and a signature by another key, leaving the current release', async () => {
    const good = release('2.0.0', { 'model.json': '{"v":2}' });
    const tampered = Buffer.from(good.bundle.toString().replace('eyJ', 'eyK'));
    await expect(installRelease({ root, manifest: good.manifest, bundle: tampered, publicKeyPem, selfTest: passes })).rejects.toMatchObject({ code: 'sha256_mismatch' });
    await expect(installRelease({ root, manifest: { ...good.manifest, size: 3 }, bundle: good.bundle, publicKeyPem, selfTest: passes })).rejects.toMatchObject({ code: 'size_mismatch' });
    const forged = release('2.0.0', { 'model.json': '{"v":2}' }, otherKey.privateKey);
    await expect(installRelease({ root, ...forged, publicKeyPem, selfTest: passes })).rejects.toMatchObject({ code: 'bad_signature' });
    // Same bytes, manifest claiming another version: the signature covers the version too.
    await expect(installRelease({ root, manifest: { ...good.manifest, version: '9.9.9' }, bundle: good.bundle, publicKeyPem, selfTest: passes })).rejects.toMatchObject({ code: 'bad_signature' });
    expect(readlinkSync(link)).toBe(join(root, 'model-1.0.0'));
    expect(existsSync(join(root, 'model-2.0.0'))).toBe(false);
  });

  it('rolls back by itself when the self-test fails', async () => {
    const r = release('3.0.0', { 'model.json': 'not a model' });
    const err = await installRelease({ root, ...r, publicKeyPem, selfTest: async () => { throw new Error('no keypoints from the test frame'); } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpdateError);
    expect(err).toMatchObject({ code: 'self_test_failed', rolledBack: true });
    expect((err as Error).message).toMatch(/no keypoints from the test frame.*previous release is back/);
    expect(readlinkSync(link)).toBe(join(root, 'model-1.0.0'));
    expect(existsSync(join(root, 'model-3.0.0'))).toBe(false);
  });

  it('refuses a signed bundle that names files outside its folder', async () => {
    const r = release('4.0.0', { '../../escape.txt': 'x' });
    await expect(installRelease({ root, ...r, publicKeyPem, selfTest: passes })).rejects.toMatchObject({ code: 'bad_bundle' });
    expect(existsSync(join(t.dir, 'escape.txt'))).toBe(false);
    expect(readlinkSync(link)).toBe(join(root, 'model-1.0.0'));
  });
});
