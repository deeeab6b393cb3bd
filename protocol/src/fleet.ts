/**
 * Fleet management payloads (provisioning by claim, the device shadow, commands) shared by the
 * mirror, the gateway's fleet API and the `pose-coach fleet` CLI.
 */
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from './topics.ts';
import type { LastUpdate } from './device.ts';

/** `POST /fleet/claim`: a mirror trades the claim token of its image for its own credentials. */
export const claimRequestSchema = z.object({
  claimToken: z.string().min(16).max(200),
  /** Proposed id (e.g. from the board's serial); the gateway makes one when absent or taken. */
  deviceId: z.string().regex(DEVICE_ID_PATTERN).optional(),
  name: z.string().max(255).optional(),
  model: z.string().max(100).optional(),
  appVersion: z.string().max(50).optional(),
});
export type ClaimRequest = z.infer<typeof claimRequestSchema>;

export const claimResponseSchema = z.object({ deviceId: z.string().regex(DEVICE_ID_PATTERN), secret: z.string().min(1) });
export type ClaimResponse = z.infer<typeof claimResponseSchema>;

/** Why a claim was refused; the body is `{error, message}`. */
export const CLAIM_REFUSALS = ['claim_unknown', 'claim_revoked', 'claim_expired', 'claim_exhausted'] as const;
export type ClaimRefusal = (typeof CLAIM_REFUSALS)[number];

/** A group name is part of a config scope (`group:<name>`). */
export const FLEET_GROUP_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Desired-configuration layers, later ones winning: fleet defaults, the mirror's group, the mirror. */
export const configLayerSchema = z.record(z.string().min(1).max(100), z.unknown());

/** `config/reported` as the agent sends it: the version it applied and the values now in force. */
export const configReportedSchema = z.object({
  version: z.number().int().nonnegative(),
  config: z.record(z.string(), z.unknown()),
  error: z.string().optional(),
});
export type ConfigReported = z.infer<typeof configReportedSchema>;

/** A command the fleet API sends: the gateway adds the id. */
export const fleetCommandRequestSchema = z.object({
  name: z.string().min(1).max(50),
  args: z.record(z.string(), z.unknown()).optional(),
  timeoutMs: z.number().int().positive().max(600_000).optional(),
});
export type FleetCommandRequest = z.infer<typeof fleetCommandRequestSchema>;

export const FLEET_PRESENCE = ['online', 'offline', 'unknown'] as const;
export type FleetPresence = (typeof FLEET_PRESENCE)[number];

/** One mirror as the fleet API lists it. */
export interface FleetDeviceView {
  deviceId: string;
  name?: string;
  room?: string;
  group?: string;
  owner?: string;
  status: FleetPresence;
  /** Why it is offline: its Will / a clean `offline`, or its telemetry stopped. */
  offlineReason?: 'will' | 'heartbeat' | 'never-seen';
  lastSeen?: string;
  model?: string;
  appVersion?: string;
  /** Fleet releases in use (from telemetry); absent: what the image shipped with. */
  appRelease?: string;
  modelRelease?: string;
  healthy?: boolean;
  lastUpdate?: LastUpdate;
  outboxDepth?: number;
  desiredVersion: number;
  reportedVersion?: number;
  configError?: string;
}

/** A model or app release a rollout installs; signed by the fleet's Ed25519 key. */
export const releaseManifestSchema = z.object({
  kind: z.enum(['model', 'app']),
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,49}$/, 'letters, digits, . _ + - (up to 50)'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex sha256'),
  size: z.number().int().positive(),
  /** Base64 Ed25519 signature of `releaseSigningText(manifest)`. */
  signature: z.string().min(1),
});
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;

/** The exact text a release signature covers: what is installed, in which version, and its digest. */
export function releaseSigningText(m: Pick<ReleaseManifest, 'kind' | 'version' | 'sha256' | 'size'>): string {
  return `pose-coach-release\n${m.kind}\n${m.version}\n${m.sha256}\n${m.size}\n`;
}

/** A mirror count (`3`) or a share of the rollout's targets (`"5%"`); at least one mirror. */
export const rolloutStepSchema = z.union([z.number().int().min(1).max(100_000), z.string().regex(/^\d{1,3}(\.\d+)?%$/, 'a count or a percentage such as "5%"')]);
export type RolloutStep = z.infer<typeof rolloutStepSchema>;

/** `POST /fleet/api/rollouts` and `pose-coach fleet rollout`. */
export const rolloutRequestSchema = z.object({
  release: z.string().min(1).max(120),
  group: z.string().regex(FLEET_GROUP_PATTERN).optional(),
  /** Share of the fleet (stable per mirror), 1..100; default 100. */
  percent: z.number().min(1).max(100).optional(),
  /** The first stage, alone: default one mirror. */
  canary: rolloutStepSchema.optional(),
  /** The first wave after the canary; each next wave doubles while the failure rate stays under the threshold. Default 10%. */
  wave: rolloutStepSchema.optional(),
  /** Mirrors updated at once inside a wave; default 5. */
  concurrency: z.number().int().min(1).max(500).optional(),
  /** The rollout stops once more than this many mirrors failed; default 0. */
  maxFailures: z.number().int().min(0).optional(),
  /** ... or once the share of failed mirrors among those done passes this percentage; default 10. */
  maxFailureRate: z.number().min(0).max(100).optional(),
});
export type RolloutRequest = z.infer<typeof rolloutRequestSchema>;

export const ROLLOUT_STATES = ['running', 'paused', 'done', 'stopped', 'aborted'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];
export const ROLLOUT_ACTIONS = ['pause', 'resume', 'abort'] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/** A rollout as the fleet API shows it. */
export interface RolloutView {
  id: string;
  release: string;
  group?: string;
  percent: number;
  canary: RolloutStep;
  wave: RolloutStep;
  concurrency: number;
  maxFailures: number;
  maxFailureRate: number;
  state: RolloutState;
  /** canary, wave 1, wave 2, ... */
  stage: string;
  /** Why it stopped (failure threshold, aborted by an operator, ...). */
  reason?: string;
  targets: number;
  sent: number;
  succeeded: number;
  failed: number;
  skippedOffline: number;
  failures: { deviceId: string; error: string }[];
  startedAt: string;
  endedAt?: string;
}
