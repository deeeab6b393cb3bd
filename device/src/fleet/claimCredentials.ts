/**
 * Provisioning by claim, the mirror's side: on first boot, the claim token baked into the image is
 * traded with the gateway (`POST /fleet/claim`) for the mirror's own device id and secret, which
 * are written to the credentials file readable only by the agent's user (written under a temporary
 * name with mode 600, then renamed, so a crash never leaves half a file). Once that file exists
 * the claim is never used again.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { claimResponseSchema, type ClaimRequest } from '@pose-coach/protocol';
import { readCredentials, type DeviceCredentials } from '../link/credentials.ts';
import { gatewayRequest } from './gatewayRequest.ts';

export class ClaimError extends Error {
  override name = 'ClaimError';
  constructor(
    message: string,
    /** The gateway's refusal code (claim_revoked, claim_expired, claim_exhausted, claim_unknown). */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ClaimOptions {
  /** The gateway's HTTP base: https://gateway.local:8443 (CA pinned), or http:// for development. */
  gatewayHttpUrl: string;
  credentialsFile: string;
  /** File holding the image's claim token (one line). */
  claimTokenFile: string;
  /** What the mirror tells the fleet about itself. */
  describe?: Omit<ClaimRequest, 'claimToken'>;
  timeoutMs?: number;
  /** PEM of the gateway's CA, for an https gatewayHttpUrl. */
  ca?: Buffer | string;
}

/** The mirror's credentials: the stored ones, or new ones obtained with the claim token. */
export async function credentialsByClaim(opts: ClaimOptions): Promise<{ credentials: DeviceCredentials; claimed: boolean }> {
  if (existsSync(opts.credentialsFile)) return { credentials: readCredentials(opts.credentialsFile), claimed: false };
  let claimToken: string;
  try {
    claimToken = readFileSync(opts.claimTokenFile, 'utf8').trim();
  } catch {
    throw new ClaimError(`no credentials at ${opts.credentialsFile} and no claim token at ${opts.claimTokenFile}: this mirror cannot join the fleet`);
  }
  const url = `${opts.gatewayHttpUrl.replace(/\/$/, '')}/fleet/claim`;
  let res: { status: number; body: Buffer };
  try {
    res = await gatewayRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...opts.describe, claimToken }),
      ...(opts.ca ? { ca: opts.ca } : {}),
      timeoutMs: opts.timeoutMs ?? 15_000,
    });
  } catch (err) {
    throw new ClaimError(`the gateway at ${url} could not be reached to claim this mirror: ${(err as Error).message}`);
  }
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    // refused below with the status
  }
  if (res.status !== 200) {
    // A 5xx (CLAIMS_BUSY, a store down) is worth retrying: no refusal code, so the agent does not give up for good.
    const code = res.status < 500 ? (body.error as string | undefined) : undefined;
    throw new ClaimError(`the gateway refused the claim (${res.status} ${String(body.error ?? '')}): ${String(body.message ?? 'no reason given')}`, code);
  }
  const parsed = claimResponseSchema.safeParse(body);
  if (!parsed.success) throw new ClaimError(`the gateway answered the claim without a device id and secret`);
  mkdirSync(dirname(opts.credentialsFile), { recursive: true, mode: 0o700 });
  const tmp = `${opts.credentialsFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(parsed.data)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, opts.credentialsFile);
  return { credentials: parsed.data, claimed: true };
}
