/**
 * Reconcile on a schedule: a BullMQ repeatable job (one job scheduler, so several gateways on one
 * Redis run it once per period, not once each), checking the last RECONCILE_WINDOW_H hours and
 * repairing by the rule in cloud-sync/src/reconcile.ts. What it found and fixed is counted in
 * Prometheus (pose_coach_reconcile_*).
 */
import { Queue, Worker } from 'bullmq';
import { listFirestoreUids, reconcileStores, type ReconcileReport } from '@pose-coach/cloud-sync';
import type { GatewayConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Scope } from '../scope.ts';
import type { Stores } from '../stores.ts';
import { redisConnection } from '../queue/storeQueues.ts';

export const RECONCILE_QUEUE = 'reconcile';

export function recordReconcile(metrics: Metrics, report: ReconcileReport): void {
  metrics.reconcileChecked.inc(report.checked);
  for (const kind of ['missingInFirestore', 'missingInMysql', 'different', 'deleted'] as const) {
    if (report[kind] > 0) metrics.reconcileFound.inc({ kind }, report[kind]);
  }
  for (const d of report.differences) if (d.repaired) metrics.reconcileRepaired.inc({ kind: d.kind });
}

export async function startScheduledReconcile(
  config: GatewayConfig,
  deps: { stores: Stores; metrics: Metrics; log: Logger; scope: Scope },
): Promise<void> {
  const queue = new Queue(RECONCILE_QUEUE, { connection: { url: config.REDIS_URL }, prefix: config.QUEUE_PREFIX });
  deps.scope.add(() => queue.close());
  if (config.RECONCILE_EVERY_S === 0) {
    await queue.removeJobScheduler('reconcile').catch(() => {});
    return;
  }
  // The first run one period after start, not at start: a gateway that starts (or restarts) is
  // busy enough, and a store it cannot reach yet would stall its shutdown behind a reconcile.
  const every = config.RECONCILE_EVERY_S * 1000;
  // A forced worker close does not stop a run under way; this does (between two people).
  const stopping = new AbortController();
  await queue.upsertJobScheduler('reconcile', { every, startDate: Date.now() + every }, {
    name: 'reconcile',
    opts: { removeOnComplete: 50, removeOnFail: 50 },
  });
  const worker = new Worker(
    RECONCILE_QUEUE,
    async () => {
      const since = new Date(Date.now() - config.RECONCILE_WINDOW_H * 3600_000).toISOString();
      try {
        const report = await reconcileStores(
          {
            firestore: deps.stores.repositories.firestore,
            mysql: deps.stores.repositories.mysql,
            db: deps.stores.pool,
            // The emulator cannot list users/ (ListDocuments); there MySQL's uids are everyone.
            firestoreUids: deps.stores.emulatorHost ? undefined : () => listFirestoreUids(deps.stores.firestore),
          },
          { since, repair: config.RECONCILE_REPAIR, settleMs: config.RECONCILE_SETTLE_S * 1000, signal: stopping.signal },
        );
        recordReconcile(deps.metrics, report);
        deps.metrics.reconcileRuns.inc({ outcome: 'ok' });
        const { differences, ...counts } = report;
        deps.log[report.checked === 0 || differences.length === 0 ? 'info' : 'warn']({ ...counts, since }, 'scheduled reconcile done');
        return counts;
      } catch (err) {
        deps.metrics.reconcileRuns.inc({ outcome: 'failed' });
        throw err;
      }
    },
    // Long runs must not be taken for stalled: the lock is renewed while reconcile reads.
    { connection: redisConnection(config.REDIS_URL), prefix: config.QUEUE_PREFIX, concurrency: 1, lockDuration: 120_000 },
  );
  worker.on('failed', (_job, err) => deps.log.error({ err: err.message }, 'scheduled reconcile failed; it runs again next period'));
  worker.on('error', (err) => deps.log.error({ err: err.message }, 'reconcile worker error'));
  // Forced: a reconcile under way is not waited for (it is idempotent and runs again next period).
  deps.scope.add(() => {
    stopping.abort(new Error('gateway shutting down'));
    return worker.close(true);
  });
}
