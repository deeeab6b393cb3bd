/**
 * Rollouts: a release sent to a group or a percentage of the fleet as `update` commands, a few at
 * a time, counting successes and failures; the rollout stops sending once failures pass its
 * threshold. The percentage picks mirrors by a hash of their id, so 10 % then 50 % of the same
 * release reaches a superset. Mirrors offline when their turn comes are skipped and counted.
 * Progress is kept in memory (a gateway restart ends running rollouts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ReleaseManifest } from '@pose-coach/protocol';
import type { Commands } from './commands.ts';
import { FleetError } from './fleetErrors.ts';
import type { Presence } from './presence.ts';
import { releaseName, type Releases } from './releases.ts';
import type { Shadow } from './shadow.ts';

export interface RolloutRequest {
  release: string;
  group?: string;
  /** 1..100, default 100. */
  percent?: number;
  /** The rollout stops once more than this many mirrors failed. Default 0: the first failure stops it. */
  maxFailures?: number;
  concurrency?: number;
}

export interface Rollout {
  id: string;
  release: string;
  group?: string;
  percent: number;
  maxFailures: number;
  state: 'running' | 'done' | 'stopped';
  targets: number;
  sent: number;
  succeeded: number;
  failed: number;
  skippedOffline: number;
  failures: { deviceId: string; error: string }[];
  startedAt: string;
  endedAt?: string;
}

/** 0..99, stable per mirror (and independent of the release, so a larger percentage is a superset). */
export function bucketOf(deviceId: string): number {
  return createHash('sha256').update(deviceId).digest().readUInt32BE(0) % 100;
}

export function createRollouts(deps: { releases: Releases; shadow: Shadow; presence: Presence; commands: Commands; updateTimeoutMs: number }) {
  const rollouts = new Map<string, Rollout>();

  async function run(r: Rollout, manifest: ReleaseManifest, targets: string[], concurrency: number): Promise<void> {
    const queue = [...targets];
    const worker = async () => {
      for (let deviceId = queue.shift(); deviceId !== undefined; deviceId = queue.shift()) {
        if (r.failed > r.maxFailures) return;
        if (deps.presence.get(deviceId)?.status !== 'online') {
          r.skippedOffline++;
          continue;
        }
        r.sent++;
        const done = await deps.commands.send(deviceId, {
          name: 'update',
          args: { manifest, path: `/fleet/releases/${releaseName(manifest)}/bundle` },
          timeoutMs: deps.updateTimeoutMs,
        });
        if (done.state === 'ok') r.succeeded++;
        else {
          r.failed++;
          r.failures.push({ deviceId, error: done.error ?? done.state });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    r.state = r.failed > r.maxFailures ? 'stopped' : 'done';
    r.endedAt = new Date().toISOString();
  }

  return {
    start(req: RolloutRequest): Rollout {
      const manifest = deps.releases.get(req.release);
      if (!manifest) throw new FleetError('NOT_FOUND', `no release ${req.release}; add it with pose-coach fleet release add`);
      const percent = req.percent ?? 100;
      if (!(percent >= 1 && percent <= 100)) throw new FleetError('BAD_REQUEST', 'percent must be between 1 and 100');
      const targets = deps.shadow
        .deviceIds()
        .filter((id) => (req.group === undefined || deps.shadow.groupOf(id) === req.group) && bucketOf(id) < percent)
        .sort();
      const r: Rollout = {
        id: `rollout-${randomBytes(4).toString('hex')}`,
        release: req.release,
        ...(req.group ? { group: req.group } : {}),
        percent,
        maxFailures: req.maxFailures ?? 0,
        state: 'running',
        targets: targets.length,
        sent: 0,
        succeeded: 0,
        failed: 0,
        skippedOffline: 0,
        failures: [],
        startedAt: new Date().toISOString(),
      };
      rollouts.set(r.id, r);
      void run(r, manifest, targets, req.concurrency ?? 10);
      return r;
    },
    get: (id: string) => rollouts.get(id),
    list: () => [...rollouts.values()],
  };
}

export type Rollouts = ReturnType<typeof createRollouts>;
