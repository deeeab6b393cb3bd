/**
 * Staged rollouts: a release sent as `update` commands first to a canary (one mirror, or a share),
 * then in waves that double while failures stay under the thresholds (`maxFailures` mirrors,
 * `maxFailureRate` % of those done); past a threshold the rollout stops and nothing more is sent.
 * Within a stage `concurrency` mirrors update at once. A mirror counts as updated only when the
 * release proved itself there: a model release when the mirror's ack says so (it checked real
 * frames), an app release when the mirror, restarted into it, reports it healthy in telemetry
 * (`lastUpdate`), which also carries a rollback the mirror made by itself. Operators can pause,
 * resume and abort. Everything is kept in MySQL (fleet_rollouts, fleet_rollout_devices): a
 * gateway restart resumes running rollouts, and mirrors that were mid-update are judged by what
 * their telemetry reports. The percentage picks mirrors by a hash of their id, so 10 % then 50 %
 * of the same release reaches a superset. Mirrors offline when their turn comes are skipped.
 * In a cluster one gateway drives every rollout (the one holding the lease, cluster/leaderLease.ts);
 * the others keep the same view from its progress messages on the cluster bus, send what an
 * operator did through them to it, and one of them takes over, from MySQL, when it goes away.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { ReleaseManifest, RolloutAction, RolloutRequest, RolloutState, RolloutStep, RolloutView, Telemetry } from '@pose-coach/protocol';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Commands } from './commands.ts';
import { FleetError } from './fleetErrors.ts';
import type { Presence } from './presence.ts';
import { releaseName, type Releases } from './releases.ts';
import type { Shadow } from './shadow.ts';
import type { ClusterBus } from '../cluster/clusterBus.ts';

export type { RolloutRequest };

type DeviceState = 'pending' | 'sent' | 'succeeded' | 'failed' | 'skipped';
interface Target {
  deviceId: string;
  position: number;
  state: DeviceState;
  error?: string;
  sentAt?: number;
}
type Spec = Pick<RolloutView, 'group' | 'percent' | 'canary' | 'wave' | 'concurrency' | 'maxFailures' | 'maxFailureRate'>;
interface Rollout {
  id: string;
  release: string;
  spec: Spec;
  state: RolloutState;
  stage: number;
  reason?: string;
  startedAt: number;
  endedAt?: number;
  targets: Target[];
  /** Set while a loop drives the rollout (one per rollout and process). */
  driving?: Promise<void>;
}

const REPORT_CLOCK_SLACK_MS = 60_000;

export const ROLLOUT_DEFAULTS = { canary: 1, wave: '10%', concurrency: 5, maxFailures: 0, maxFailureRate: 10 } as const;

/** 0..99, stable per mirror (and independent of the release, so a larger percentage is a superset). */
export function bucketOf(deviceId: string): number {
  return createHash('sha256').update(deviceId).digest().readUInt32BE(0) % 100;
}

/** Mirrors in a step: a count, or a share of the targets (at least one). */
export function stepSize(step: RolloutStep, targets: number): number {
  if (typeof step === 'number') return step;
  return Math.max(1, Math.ceil((Number(step.slice(0, -1)) / 100) * targets));
}

export interface RolloutDeps {
  pool: Pool;
  releases: Releases;
  shadow: Shadow;
  presence: Presence;
  commands: Commands;
  log: Logger;
  metrics: Metrics;
  updateTimeoutMs: number;
  /** How long an app release has to report healthy after its ack. */
  healthTimeoutMs: number;
  /** In a cluster: whether this gateway drives the rollouts now, and the bus their progress is shared on. */
  cluster?: { isLeader(): boolean; bus: ClusterBus };
}

/** A rollout's progress or an operator's change, as sent between the gateways of a cluster. */
interface RolloutNews {
  from: string;
  /** started: load it from MySQL; progress: the driver's; operator: an operator's change through a gateway not driving. */
  kind: 'started' | 'progress' | 'operator';
  id: string;
  state?: RolloutState;
  stage?: number;
  reason?: string;
  endedAt?: number;
  target?: Target;
}

export function createRollouts(deps: RolloutDeps) {
  const log = deps.log.child({ part: 'rollouts' });
  const rollouts = new Map<string, Rollout>();
  /** Mirrors whose update result is awaited from telemetry, by device id. */
  const waiting = new Map<string, { kind: string; version: string; since: number; settle(error?: string): void }>();
  let closed = false;
  /** Counts changes of who drives: a loop started under another epoch stops. */
  let epoch = 0;
  const me = randomBytes(8).toString('hex');
  const leads = () => deps.cluster?.isLeader() ?? true;
  /** Whether a loop started in epoch `e` may go on driving. */
  const driving = (e: number) => !closed && e === epoch && leads();

  const counts = (r: Rollout) => {
    const c = { sent: 0, succeeded: 0, failed: 0, skippedOffline: 0 };
    for (const t of r.targets) {
      if (t.state !== 'pending' && t.state !== 'skipped') c.sent++;
      if (t.state === 'succeeded') c.succeeded++;
      if (t.state === 'failed') c.failed++;
      if (t.state === 'skipped') c.skippedOffline++;
    }
    return c;
  };
  const view = (r: Rollout): RolloutView => ({
    id: r.id,
    release: r.release,
    ...(r.spec.group ? { group: r.spec.group } : {}),
    percent: r.spec.percent,
    canary: r.spec.canary,
    wave: r.spec.wave,
    concurrency: r.spec.concurrency,
    maxFailures: r.spec.maxFailures,
    maxFailureRate: r.spec.maxFailureRate,
    state: r.state,
    stage: r.stage === 0 ? 'canary' : `wave ${r.stage}`,
    ...(r.reason ? { reason: r.reason } : {}),
    targets: r.targets.length,
    ...counts(r),
    failures: r.targets.filter((t) => t.state === 'failed').map((t) => ({ deviceId: t.deviceId, error: t.error ?? 'failed' })),
    startedAt: new Date(r.startedAt).toISOString(),
    ...(r.endedAt ? { endedAt: new Date(r.endedAt).toISOString() } : {}),
  });

  /** Tells the other gateways of a cluster (they apply it to their view; the driver acts on an operator's). */
  function announce(news: Omit<RolloutNews, 'from'>): void {
    deps.cluster?.bus.publish('rollout', { from: me, ...news }).catch((err: Error) => log.warn({ err: err.message }, 'rollout news not shared with the cluster'));
  }

  async function saveRollout(r: Rollout, kind: 'progress' | 'operator' = 'progress'): Promise<void> {
    announce({ kind, id: r.id, state: r.state, stage: r.stage, ...(r.reason ? { reason: r.reason } : {}), ...(r.endedAt ? { endedAt: r.endedAt } : {}) });
    await deps.pool.execute('UPDATE fleet_rollouts SET state = ?, stage = ?, reason = ?, ended_at = ? WHERE rollout_id = ?', [
      r.state,
      r.stage,
      r.reason?.slice(0, 500) ?? null,
      r.endedAt ? new Date(r.endedAt) : null,
      r.id,
    ]);
  }
  async function saveTarget(r: Rollout, t: Target): Promise<void> {
    announce({ kind: 'progress', id: r.id, target: { ...t } });
    await deps.pool.execute('UPDATE fleet_rollout_devices SET state = ?, error = ?, sent_at = ?, ended_at = ? WHERE rollout_id = ? AND device_id = ?', [
      t.state,
      t.error?.slice(0, 500) ?? null,
      t.sentAt ? new Date(t.sentAt) : null,
      t.state === 'succeeded' || t.state === 'failed' ? new Date() : null,
      r.id,
      t.deviceId,
    ]);
  }
  const save = (what: Promise<void>) => what.catch((err: Error) => log.error({ err: err.message }, 'rollout progress not saved'));

  /** Why the rollout must stop now, or undefined. */
  function overThreshold(r: Rollout): string | undefined {
    const c = counts(r);
    if (c.failed > r.spec.maxFailures) return `${c.failed} mirror(s) failed, more than the ${r.spec.maxFailures} allowed`;
    const done = c.succeeded + c.failed;
    if (done > 0 && (c.failed / done) * 100 > r.spec.maxFailureRate) return `${Math.round((c.failed / done) * 100)} % of the mirrors done failed, above the ${r.spec.maxFailureRate} % allowed`;
    return undefined;
  }

  /** The result an app release's telemetry reports, or an error when the mirror does not report in time. */
  function awaitReport(deviceId: string, kind: string, version: string, timeoutMs: number, since: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(`no healthy report from release ${version} within ${Math.round(timeoutMs / 1000)} s`), Math.max(0, timeoutMs));
      const settle = (error?: string) => {
        clearTimeout(timer);
        if (waiting.get(deviceId)?.settle === settle) waiting.delete(deviceId);
        resolve(error);
      };
      waiting.get(deviceId)?.settle('superseded by another rollout');
      waiting.set(deviceId, { kind, version, since, settle });
      // Already reported (a report that came while the gateway was down, or before we asked).
      const t = deps.presence.get(deviceId)?.telemetry;
      if (t) onTelemetry(deviceId, t);
    });
  }

  function onTelemetry(deviceId: string, t: Telemetry): void {
    const w = waiting.get(deviceId);
    const u = t.lastUpdate;
    if (!w || !u || u.kind !== w.kind || u.version !== w.version) return;
    // An outcome from an earlier try of the same release is not this one's (a minute's slack for clocks).
    if (u.at && Date.parse(u.at) < w.since - REPORT_CLOCK_SLACK_MS) return;
    if (u.outcome === 'healthy') w.settle();
    else if (u.outcome === 'rolled-back' || u.outcome === 'failed') {
      if (u.outcome === 'rolled-back') deps.metrics.rollbacks.inc({ kind: u.kind });
      w.settle(`${u.outcome === 'rolled-back' ? 'rolled back' : 'failed'} on the mirror: ${u.reason ?? 'no reason given'}`);
    }
  }

  async function updateOne(r: Rollout, t: Target, manifest: ReleaseManifest, e: number): Promise<void> {
    const fields = { rolloutId: r.id, release: r.release, kind: manifest.kind, version: manifest.version, deviceId: t.deviceId };
    let error: string | undefined;
    if (t.state === 'pending') {
      t.state = 'sent';
      t.sentAt = Date.now();
      await save(saveTarget(r, t));
      log.info(fields, 'release sent to mirror');
      const done = await deps.commands.send(t.deviceId, {
        name: 'update',
        args: { manifest, path: `/fleet/releases/${releaseName(manifest)}/bundle` },
        timeoutMs: deps.updateTimeoutMs,
      });
      if (!driving(e)) return; // going away, or another gateway drives now: it judges this mirror by its telemetry
      if (done.state !== 'ok') {
        error = done.error ?? done.state;
        if (/previous release is back/.test(error)) deps.metrics.rollbacks.inc({ kind: manifest.kind });
      } else if (manifest.kind === 'app' && (done.result as { restarting?: boolean } | undefined)?.restarting) {
        error = await awaitReport(t.deviceId, 'app', manifest.version, deps.healthTimeoutMs, t.sentAt);
      }
    } else {
      // Sent before a gateway restart: its outcome comes from the mirror's telemetry.
      const sentAt = t.sentAt ?? Date.now();
      error = await awaitReport(t.deviceId, manifest.kind, manifest.version, sentAt + deps.updateTimeoutMs + deps.healthTimeoutMs - Date.now(), sentAt);
    }
    if (!driving(e)) return;
    t.state = error ? 'failed' : 'succeeded';
    if (error) t.error = error;
    deps.metrics.installs.inc({ kind: manifest.kind, outcome: error ? 'failed' : 'ok' });
    if (error) log.warn({ ...fields, outcome: 'failed', reason: error }, 'release failed on mirror');
    else log.info({ ...fields, outcome: 'ok' }, 'release installed and healthy on mirror');
    await save(saveTarget(r, t));
  }

  async function finish(r: Rollout, state: RolloutState, reason?: string, kind: 'progress' | 'operator' = 'progress'): Promise<void> {
    r.state = state;
    if (reason) r.reason = reason;
    r.endedAt = Date.now();
    deps.metrics.rollouts.inc({ outcome: state });
    const c = counts(r);
    (state === 'done' ? log.info.bind(log) : log.warn.bind(log))({ rolloutId: r.id, release: r.release, outcome: state, reason, ...c }, 'rollout ended');
    await save(saveRollout(r, kind));
  }

  async function drive(r: Rollout, e: number): Promise<void> {
    const manifest = deps.releases.get(r.release);
    if (!manifest) return finish(r, 'stopped', `release ${r.release} is gone from the gateway`);
    // Mirrors mid-update when the gateway restarted are judged first.
    await Promise.all(r.targets.filter((t) => t.state === 'sent').map((t) => updateOne(r, t, manifest, e)));
    while (driving(e) && r.state === 'running') {
      const why = overThreshold(r);
      if (why) return finish(r, 'stopped', why);
      const pending = r.targets.filter((t) => t.state === 'pending');
      if (pending.length === 0) return finish(r, 'done');
      const quota = r.stage === 0 ? stepSize(r.spec.canary, r.targets.length) : stepSize(r.spec.wave, r.targets.length) * 2 ** (r.stage - 1);
      let sent = 0;
      const worker = async () => {
        while (driving(e) && r.state === 'running' && sent < quota && !overThreshold(r)) {
          const t = pending.shift();
          if (!t) return;
          if (deps.presence.get(t.deviceId)?.status !== 'online') {
            t.state = 'skipped';
            await save(saveTarget(r, t));
            continue;
          }
          sent++;
          await updateOne(r, t, manifest, e);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(r.spec.concurrency, quota)) }, worker));
      if (!driving(e) || r.state !== 'running') return;
      // Stopped (past a threshold) or done on the next turn, in the stage it happened in.
      if (overThreshold(r) || !r.targets.some((t) => t.state === 'pending')) continue;
      r.stage++;
      log.info({ rolloutId: r.id, release: r.release, stage: r.stage, ...counts(r) }, 'rollout stage done');
      await save(saveRollout(r));
    }
  }

  function launch(r: Rollout): void {
    if (r.driving || !leads()) return;
    const e = epoch;
    r.driving = drive(r, e)
      .catch((err: Error) => log.error({ rolloutId: r.id, err: err.message }, 'rollout loop failed'))
      .finally(() => {
        delete r.driving;
        if (driving(e) && r.state === 'running') launch(r); // resumed while the loop was winding down
      });
  }

  /** The rollouts in MySQL, all of them or one. */
  async function read(id?: string): Promise<Rollout[]> {
    const where = id === undefined ? '' : ' WHERE rollout_id = ?';
    const args = id === undefined ? [] : [id];
    const [rows] = await deps.pool.query<RowDataPacket[]>(`SELECT * FROM fleet_rollouts${where} ORDER BY started_at`, args);
    const [devices] = await deps.pool.query<RowDataPacket[]>(`SELECT * FROM fleet_rollout_devices${where} ORDER BY rollout_id, position`, args);
    const byRollout = new Map<string, Target[]>();
    for (const d of devices) {
      const list = byRollout.get(String(d.rollout_id)) ?? [];
      list.push({
        deviceId: String(d.device_id),
        position: Number(d.position),
        state: String(d.state) as DeviceState,
        ...(d.error != null ? { error: String(d.error) } : {}),
        ...(d.sent_at != null ? { sentAt: new Date(d.sent_at as string).getTime() } : {}),
      });
      byRollout.set(String(d.rollout_id), list);
    }
    return rows.map((row) => ({
      id: String(row.rollout_id),
      release: String(row.release_name),
      spec: (typeof row.spec === 'string' ? JSON.parse(row.spec) : row.spec) as Spec,
      state: String(row.state) as RolloutState,
      stage: Number(row.stage),
      ...(row.reason != null ? { reason: String(row.reason) } : {}),
      startedAt: new Date(row.started_at as string).getTime(),
      ...(row.ended_at != null ? { endedAt: new Date(row.ended_at as string).getTime() } : {}),
      targets: byRollout.get(String(row.rollout_id)) ?? [],
    }));
  }

  const ended = (x: Rollout) => x.state === 'done' || x.state === 'stopped' || x.state === 'aborted';

  /** News from another gateway of the cluster. */
  async function onNews(news: RolloutNews): Promise<void> {
    if (news.from === me) return;
    let r = rollouts.get(news.id);
    if (!r || news.kind === 'started') {
      const [loaded] = await read(news.id);
      if (!loaded) return;
      rollouts.set(loaded.id, (r = loaded));
      if (r.state === 'running') launch(r);
      return;
    }
    if (news.target) {
      const t = r.targets[news.target.position];
      if (t?.deviceId === news.target.deviceId) Object.assign(t, news.target);
      return;
    }
    if (ended(r)) {
      // An end is final. An operator who acted on an older view is answered with what MySQL must hold.
      if (news.kind === 'operator' && leads()) await save(saveRollout(r));
      return;
    }
    if (news.state) r.state = news.state;
    if (news.stage !== undefined) r.stage = Math.max(r.stage, news.stage);
    if (news.reason) r.reason = news.reason;
    if (news.endedAt) r.endedAt = news.endedAt;
    if (news.kind === 'operator' && leads()) {
      // What MySQL holds may be the driver's own save from before the change: save it again.
      await save(saveRollout(r));
      if (r.state === 'running') launch(r);
    }
  }

  return {
    async start(req: RolloutRequest): Promise<RolloutView> {
      const manifest = deps.releases.get(req.release);
      if (!manifest) throw new FleetError('NOT_FOUND', `no release ${req.release}; add it with pose-coach fleet release add`);
      const spec: Spec = {
        ...(req.group ? { group: req.group } : {}),
        percent: req.percent ?? 100,
        canary: req.canary ?? ROLLOUT_DEFAULTS.canary,
        wave: req.wave ?? ROLLOUT_DEFAULTS.wave,
        concurrency: req.concurrency ?? ROLLOUT_DEFAULTS.concurrency,
        maxFailures: req.maxFailures ?? ROLLOUT_DEFAULTS.maxFailures,
        maxFailureRate: req.maxFailureRate ?? ROLLOUT_DEFAULTS.maxFailureRate,
      };
      const ids = deps.shadow
        .deviceIds()
        .filter((id) => (spec.group === undefined || deps.shadow.groupOf(id) === spec.group) && bucketOf(id) < spec.percent)
        .sort();
      const r: Rollout = {
        id: `rollout-${randomBytes(4).toString('hex')}`,
        release: req.release,
        spec,
        state: 'running',
        stage: 0,
        startedAt: Date.now(),
        targets: ids.map((deviceId, position) => ({ deviceId, position, state: 'pending' })),
      };
      const conn = await deps.pool.getConnection();
      try {
        await conn.beginTransaction();
        await conn.execute('INSERT INTO fleet_rollouts (rollout_id, release_name, spec, state, stage, started_at) VALUES (?, ?, ?, ?, 0, ?)', [
          r.id,
          r.release,
          JSON.stringify(spec),
          r.state,
          new Date(r.startedAt),
        ]);
        for (let i = 0; i < r.targets.length; i += 1000) {
          const rows = r.targets.slice(i, i + 1000).map((t) => [r.id, t.deviceId, t.position, t.state]);
          await conn.query('INSERT INTO fleet_rollout_devices (rollout_id, device_id, position, state) VALUES ?', [rows]);
        }
        await conn.commit();
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
      rollouts.set(r.id, r);
      log.info({ rolloutId: r.id, release: r.release, kind: manifest.kind, version: manifest.version, targets: r.targets.length, ...spec }, 'rollout started');
      announce({ kind: 'started', id: r.id });
      launch(r);
      return view(r);
    },

    /** pause: no new mirror gets it (those mid-update finish); resume; abort: ends it for good. */
    async act(id: string, action: RolloutAction): Promise<RolloutView> {
      // Started through another gateway whose news did not arrive: MySQL has it.
      let r = rollouts.get(id);
      if (!r) {
        const [loaded] = await read(id);
        if (loaded) rollouts.set(id, (r = loaded));
      }
      if (!r) throw new FleetError('NOT_FOUND', `no rollout ${id}`);
      if (ended(r)) throw new FleetError('CONFLICT', `rollout ${id} has ended (${r.state}); start a new one`);
      if (action === 'pause' && r.state === 'running') r.state = 'paused';
      else if (action === 'resume' && r.state === 'paused') r.state = 'running';
      else if (action === 'abort') {
        await finish(r, 'aborted', 'aborted by an operator', 'operator');
        return view(r);
      } else throw new FleetError('CONFLICT', `rollout ${id} is ${r.state}: cannot ${action}`);
      log.info({ rolloutId: id, release: r.release, action, state: r.state }, 'rollout changed by an operator');
      await save(saveRollout(r, 'operator'));
      if (r.state === 'running') launch(r);
      return view(r);
    },

    /** Loads every rollout from MySQL and resumes the running ones (in a cluster: if this gateway drives). */
    async load(): Promise<void> {
      for (const r of await read()) {
        rollouts.set(r.id, r);
        if (r.state === 'running' && leads()) {
          log.info({ rolloutId: r.id, release: r.release, ...counts(r) }, 'rollout resumed after a gateway restart or a takeover');
          launch(r);
        }
      }
    },

    /** This gateway drives from now on: what the last driver left in MySQL is taken up. */
    async lead(): Promise<void> {
      epoch++;
      await this.load();
    },
    /** Another gateway drives from now on: loops stop, mirrors mid-update are left to it. */
    stepDown(): void {
      epoch++;
      for (const w of [...waiting.values()]) w.settle('another gateway drives the rollouts now');
    },
    /** Listens to the other gateways' rollout news. */
    async joinCluster(bus: ClusterBus): Promise<void> {
      await bus.on('rollout', (news: RolloutNews) => void onNews(news).catch((err: Error) => log.warn({ err: err.message, rolloutId: news.id }, 'rollout news not applied')));
    },

    onTelemetry,
    /** Whether this gateway drives the rollouts (always, outside a cluster). */
    drives: () => leads(),
    get: (id: string) => {
      const r = rollouts.get(id);
      return r ? view(r) : undefined;
    },
    list: () => [...rollouts.values()].map(view),

    /**
     * Stops driving (state stays as saved: the next gateway resumes it). Loops waiting on a command
     * end when the commands close (after this), and save nothing more.
     */
    async close(): Promise<void> {
      closed = true;
      for (const w of [...waiting.values()]) w.settle('gateway shutting down');
    },
  };
}

export type Rollouts = ReturnType<typeof createRollouts>;
