/** Prometheus metrics an operator watches on `/metrics`. One registry per gateway instance. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** `readQueueDepth` is called only when Prometheus scrapes, so depth costs nothing in between. */
export function createMetrics(readQueueDepth?: () => Promise<Record<string, Record<string, number>> | undefined>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pose_coach_gateway_' });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `pose_coach_${name}`, help, labelNames, registers: [registry] });
  return {
    registry,
    sessionsReceived: counter('sessions_received_total', 'Sessions received (MQTT and HTTP)', ['source']),
    sessionsQueued: counter('sessions_queued_total', 'Sessions queued in Redis for both stores', ['source']),
    sessionsRejected: counter('sessions_rejected_total', 'Sessions refused', ['reason']),
    sessionsStored: counter('sessions_stored_total', 'Session writes completed, per store', ['store']),
    storeRetries: counter('store_retries_total', 'Failed store writes that will be retried', ['store']),
    deadLettered: counter('sessions_dead_lettered_total', 'Store writes that exhausted their attempts', ['store']),
    reconcileRuns: counter('reconcile_runs_total', 'Scheduled reconciles of Firestore and MySQL, by outcome (ok, failed)', ['outcome']),
    reconcileChecked: counter('reconcile_checked_total', 'Sessions compared by reconcile'),
    reconcileFound: counter('reconcile_found_total', 'Differences reconcile found, by kind (missingInFirestore, missingInMysql, different, deleted)', ['kind']),
    reconcileRepaired: counter('reconcile_repaired_total', 'Differences reconcile repaired, by kind', ['kind']),
    refusedAccess: counter('mqtt_refused_total', 'MQTT connects, publishes and subscribes refused', ['kind']),
    rollouts: counter('fleet_rollouts_total', 'Rollouts ended, by outcome (done, stopped, aborted)', ['outcome']),
    installs: counter('fleet_installs_total', 'Releases sent to mirrors by rollouts, by kind and outcome (ok, failed)', ['kind', 'outcome']),
    rollbacks: counter('fleet_rollbacks_total', 'Mirrors that put their previous release back, by kind', ['kind']),
    releaseUploads: counter('fleet_release_uploads_total', 'Release uploads, by outcome (accepted or why refused)', ['outcome']),
    connectedDevices: new Gauge({ name: 'pose_coach_connected_devices', help: 'Mirrors connected to the broker', registers: [registry] }),
    queueDepth: new Gauge({
      name: 'pose_coach_queue_depth',
      help: 'Jobs per store queue and state',
      labelNames: ['store', 'state'],
      registers: [registry],
      async collect() {
        const counts = await readQueueDepth?.().catch(() => undefined);
        for (const [store, states] of Object.entries(counts ?? {})) {
          for (const [state, n] of Object.entries(states)) this.set({ store, state }, n);
        }
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
