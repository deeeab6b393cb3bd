/**
 * QR pairing, modelled on the OAuth device authorization grant (RFC 8628): the mirror asks for a
 * code pair, a person claims the short code from their phone with their Firebase ID token, the
 * mirror hears the outcome (poll or retained `pairing` message). Unpairing from the phone, the
 * mirror or the fleet side all go through `unpair`, and every change is `announce`d, which
 * updates Firestore and the mirror's retained message (pairingState.ts).
 */
import type { DeviceAuthorization } from '@pose-coach/protocol';
import { UnstorableUidError } from '@pose-coach/cloud-sync';
import type { DeviceBinding, DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { VerifiedUser } from '../api/firebaseAuth.ts';
import type { Logger } from '../log.ts';
import type { AttemptLimits } from './attemptLimits.ts';
import type { ClaimOutcome, PairingCodes, PollOutcome } from './pairingCodes.ts';
import { PairingError } from './pairingErrors.ts';
import { formatUserCode, normalizeUserCode } from './userCode.ts';

/** A pairing changed: the mirror's current binding is read afresh; `endedUid` lost the mirror. */
export interface PairingChange {
  deviceId: string;
  endedUid?: string;
}

export type Unpairer = { kind: 'user'; uid: string } | { kind: 'device' } | { kind: 'admin' };

export interface PairingServiceDeps {
  registry: DeviceRegistry;
  codes: PairingCodes;
  limits: AttemptLimits;
  announce(change: PairingChange): Promise<void>;
  log: Logger;
  ttlS: number;
  intervalS: number;
}

/** RFC 8628 §3.2 device authorization response (its schema is in protocol, shared with the mirror). */
export type { DeviceAuthorization } from '@pose-coach/protocol';

export interface MirrorSummary {
  deviceId: string;
  name?: string;
  room?: string;
}

/** The name the mirror greets the person by: the token's name, else the part of the email before @. */
export function displayNameOf(user: VerifiedUser): string {
  const name = user.name?.trim() || user.email?.split('@')[0] || 'your account';
  return name.slice(0, 100);
}

const REFUSALS: Record<Exclude<ClaimOutcome['kind'], 'ok'>, () => PairingError> = {
  unknown: () => new PairingError('UNKNOWN_CODE', 'No mirror is showing this code. Check the letters on the glass and try again.'),
  expired: () => new PairingError('CODE_EXPIRED', 'This code has expired. The mirror shows a new one: scan it again.'),
  used: () => new PairingError('CODE_USED', 'This code has already been used. If the mirror does not greet you, ask it for a new code.'),
  denied: () => new PairingError('CODE_USED', 'This pairing was cancelled. Ask the mirror for a new code.'),
  busy: () => new PairingError('CODE_BUSY', 'Someone is pairing with this code right now.'),
  locked: () => new PairingError('TOO_MANY_ATTEMPTS', 'This code was tried too many times and no longer works. The mirror will show a new one.'),
};
/** Outcomes that look like guessing, counted against the address and the person. */
const GUESSES = new Set<ClaimOutcome['kind']>(['unknown', 'locked']);

export function createPairingService(deps: PairingServiceDeps) {
  const log = deps.log.child({ part: 'pairing' });

  /**
   * Limits first, then the code's form: every attempt is counted as a failure before any lookup
   * (one atomic step) and given back once it proves not to be a guess (`settle`).
   */
  async function admit(user: VerifiedUser, rawCode: unknown, address: string): Promise<string> {
    const who = { address, uid: user.uid };
    const verdict = await deps.limits.take(who);
    if (!verdict.allowed) {
      log.warn({ address, uid: user.uid }, 'pairing attempt refused: too many wrong codes');
      throw new PairingError('TOO_MANY_ATTEMPTS', `Too many wrong codes. Try again in ${Math.ceil(verdict.retryAfterS / 60)} minute(s).`, verdict.retryAfterS);
    }
    const code = normalizeUserCode(rawCode);
    if (!code) throw new PairingError('MALFORMED_CODE', 'A pairing code is 8 letters such as BCDF-GHJK (no vowels, no digits).');
    return code;
  }

  /** The attempt was no guess (the code exists): its failure is given back. */
  const settle = (user: VerifiedUser, address: string) =>
    deps.limits.refund({ address, uid: user.uid }).catch((err: Error) => log.warn({ err: err.message }, 'pairing attempt not refunded'));

  async function refuse(outcome: Exclude<ClaimOutcome, { kind: 'ok' }>, user: VerifiedUser, address: string, code: string): Promise<never> {
    if (GUESSES.has(outcome.kind)) log.warn({ address, uid: user.uid, outcome: outcome.kind }, 'pairing code refused');
    else await settle(user, address);
    if (outcome.kind === 'locked') await deps.codes.finish(code, 'denied');
    throw REFUSALS[outcome.kind]();
  }

  async function mirror(deviceId: string): Promise<MirrorSummary> {
    const info = await deps.registry.info(deviceId);
    if (!info) throw new PairingError('UNKNOWN_DEVICE', 'This mirror is no longer registered.');
    return info;
  }

  return {
    /** RFC 8628 §3.1/3.2: an authenticated mirror asks for a code pair. */
    async start(deviceId: string, verificationUri: string): Promise<DeviceAuthorization> {
      const { deviceCode, userCode } = await deps.codes.create(deviceId);
      const shown = formatUserCode(userCode);
      log.info({ deviceId }, 'pairing code issued');
      return {
        device_code: deviceCode,
        user_code: shown,
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?code=${encodeURIComponent(shown)}`,
        expires_in: deps.ttlS,
        interval: deps.intervalS,
      };
    },

    /** RFC 8628 §3.4/3.5: the mirror polls with its device code. */
    poll: (deviceId: string, deviceCode: string): Promise<PollOutcome> => deps.codes.poll(deviceId, deviceCode),

    /** The phone shows which mirror it is about to pair with before the person confirms. */
    async lookup(user: VerifiedUser, rawCode: unknown, address: string): Promise<MirrorSummary & { displayName: string }> {
      const code = await admit(user, rawCode, address);
      const outcome = await deps.codes.peek(code);
      if (outcome.kind !== 'ok') return refuse(outcome, user, address, code);
      await settle(user, address);
      return { ...(await mirror(outcome.deviceId)), displayName: displayNameOf(user) };
    },

    /** The person confirmed: the code is taken (once, atomically) and the mirror bound to them. */
    async claim(user: VerifiedUser, rawCode: unknown, address: string): Promise<MirrorSummary & DeviceBinding & { displayName: string }> {
      const code = await admit(user, rawCode, address);
      const outcome = await deps.codes.claim(code);
      if (outcome.kind !== 'ok') return refuse(outcome, user, address, code);
      await settle(user, address);
      const displayName = displayNameOf(user);
      let binding: DeviceBinding;
      let before: DeviceBinding | undefined;
      let summary: MirrorSummary;
      try {
        summary = await mirror(outcome.deviceId);
        deps.registry.forget(outcome.deviceId);
        before = await deps.registry.bindingOf(outcome.deviceId);
        binding = await deps.registry.bind(outcome.deviceId, user.uid, { displayName });
      } catch (err) {
        await deps.codes.finish(code, 'pending'); // nothing was paired: the code may be tried again
        if (err instanceof UnstorableUidError) {
          log.warn({ deviceId: outcome.deviceId, reason: err.message }, 'pairing refused: the account id cannot be stored');
          throw new PairingError('ACCOUNT_NOT_STORABLE', `This account cannot be paired with this mirror: ${err.message}. Nothing was stored.`);
        }
        throw err;
      }
      await deps.codes.finish(code, 'used', { displayName, pairingId: binding.pairingId });
      log.info({ deviceId: outcome.deviceId, pairingId: binding.pairingId, repaired: Boolean(before) }, 'mirror paired');
      await deps.announce({ deviceId: outcome.deviceId, ...(before && before.uid !== user.uid ? { endedUid: before.uid } : {}) });
      return { ...summary, ...binding, displayName };
    },

    /** The person said "not me": the mirror's poll answers access_denied and it asks for a new code. */
    async deny(user: VerifiedUser, rawCode: unknown, address: string): Promise<void> {
      const code = await admit(user, rawCode, address);
      const outcome = await deps.codes.claim(code);
      if (outcome.kind !== 'ok') return refuse(outcome, user, address, code);
      await settle(user, address);
      await deps.codes.finish(code, 'denied');
    },

    unpair: (deviceId: string, by: Unpairer) => unpairMirror({ ...deps, log }, deviceId, by),
  };
}

/**
 * The one way a pairing ends: from the phone (owner only), the mirror, or the fleet side. MySQL
 * first (binding removed, history row closed), then the change is announced (Firestore, MQTT).
 */
export async function unpairMirror(
  deps: Pick<PairingServiceDeps, 'registry' | 'announce'> & { log?: Logger },
  deviceId: string,
  by: Unpairer,
): Promise<DeviceBinding> {
  deps.registry.forget(deviceId);
  const current = await deps.registry.bindingOf(deviceId);
  if (!current) throw new PairingError('NOT_PAIRED', 'This mirror is not paired with anyone.');
  if (by.kind === 'user' && current.uid !== by.uid) {
    throw new PairingError('NOT_YOUR_MIRROR', 'Only the person this mirror is paired with can unpair it.');
  }
  const ended = await deps.registry.unbind(deviceId, { by: by.kind, ...(by.kind === 'user' ? { ifPairedWith: by.uid } : {}) });
  if (!ended) throw new PairingError('NOT_PAIRED', 'This mirror is not paired with you any more.');
  deps.log?.info({ deviceId, pairingId: ended.pairingId, by: by.kind }, 'mirror unpaired');
  await deps.announce({ deviceId, endedUid: ended.uid });
  return ended;
}

/** The admin CLI's `device unbind`: the same path, announced over Redis to the running gateway. */
export const unpairFromFleet = (registry: DeviceRegistry, announce: (c: PairingChange) => Promise<void>, deviceId: string) =>
  unpairMirror({ registry, announce }, deviceId, { kind: 'admin' });

export type PairingService = ReturnType<typeof createPairingService>;
