/**
 * Wires fleet management into the gateway: the presence registry with its heartbeat sweep and
 * batched last-seen writes, the device shadow (loaded from MySQL, re-published on every connect),
 * remote commands, claims. Created before the broker (its handlers feed it) with a publish that
 * reaches the broker once `attach` is called.
 */
import type { Aedes, Client } from 'aedes';
import type { Pool } from 'mysql2/promise';
import type { GatewayConfig } from '../config.ts';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Telemetry } from '@pose-coach/protocol';
import type { Scope } from '../scope.ts';
import { createClaims } from './claims.ts';
import { createCommands } from './commands.ts';
import { createFleetViews } from './fleetViews.ts';
import { createPresence } from './presence.ts';
import { createShadow, type Publish } from './shadow.ts';
import { createReleases } from './releases.ts';
import { createRollouts } from './rollouts.ts';
import { join } from 'node:path';
import type { CommandAck, ConfigReported } from '@pose-coach/protocol';
import type { ClusterBus } from '../cluster/clusterBus.ts';
import { replicatePresence } from '../cluster/replicatedPresence.ts';
import { connectRedis } from '../redis.ts';
import { createLeaderLease, type LeaderLease } from '../cluster/leaderLease.ts';

import type { FleetInbox } from './fleetInbox.ts';

export async function startFleet(
  config: GatewayConfig,
  deps: { pool: Pool; registry: DeviceRegistry; log: Logger; scope: Scope; metrics: Metrics; bus?: ClusterBus },
) {
  const log = deps.log.child({ part: 'fleet' });
  let brokerPublish: Publish | undefined;
  const publish: Publish = (topic, payload, opts) => {
    if (!brokerPublish) return Promise.reject(new Error('the MQTT broker is not running yet'));
    return brokerPublish(topic, payload, opts);
  };

  const presence = createPresence({
    heartbeatTimeoutMs: config.FLEET_OFFLINE_AFTER_S * 1000,
    onChange: (deviceId, p) => log.debug({ deviceId, status: p.status, reason: p.offlineReason }, 'mirror presence'),
  });
  const shadow = createShadow({
    pool: deps.pool,
    publish,
    log,
    // In a cluster the other gateways re-read what changed, so each re-sends the right config on connect.
    changed: (change) =>
      void deps.bus?.publish(change.kind === 'layers' ? 'shadow-layers' : 'shadow-group', change).catch((err: Error) => log.warn({ err: err.message, change: change.kind }, 'config change not told to the other gateways: they re-read it on their next sweep')),
  });
  await shadow.load();
  const commands = createCommands({ publish, defaultTimeoutMs: config.FLEET_COMMAND_TIMEOUT_MS, pool: deps.pool, log });
  deps.scope.add(() => commands.close());
  const claims = createClaims({
    pool: deps.pool,
    registry: deps.registry,
    onProvisioned: (deviceId, group) => {
      shadow.track(deviceId, group);
      deps.bus?.publish('shadow-group', { deviceId, group: group ?? null }).catch((err: Error) => log.warn({ err: err.message }, 'new mirror not announced to the cluster'));
    },
    concurrency: config.FLEET_CLAIM_CONCURRENCY,
  });
  const views = createFleetViews({ pool: deps.pool, presence, shadow });
  if (!config.FLEET_RELEASE_KEY_FILE) log.warn('FLEET_RELEASE_KEY_FILE is not set: release uploads are refused');
  const releases = createReleases(config.FLEET_RELEASES_DIR ?? join(config.GATEWAY_DATA_DIR, 'releases'), config.FLEET_RELEASE_KEY_FILE);
  const rollouts = createRollouts({
    pool: deps.pool,
    releases,
    shadow,
    presence,
    commands,
    log,
    metrics: deps.metrics,
    updateTimeoutMs: config.FLEET_UPDATE_TIMEOUT_MS,
    healthTimeoutMs: config.FLEET_HEALTH_TIMEOUT_S * 1000,
    // In a cluster only the lease holder drives; `lease` is set below, before anything is loaded.
    ...(deps.bus ? { cluster: { isLeader: () => lease?.isLeader() ?? false, bus: deps.bus } } : {}),
  });
  let lease: LeaderLease | undefined;
  // Closed before the commands (scopes close in reverse): a rollout stops driving, its state kept for the next start.
  deps.scope.add(() => rollouts.close());
  await rollouts.load();
  if (deps.bus) {
    await rollouts.joinCluster(deps.bus);
    const leaseRedis = connectRedis(config.REDIS_URL, {}, log);
    lease = createLeaderLease({
      redis: leaseRedis,
      key: `${config.QUEUE_PREFIX}:fleet:rollout-driver`,
      // A dead driver's rollouts are taken over within about ttl + everyMs.
      ttlMs: config.FLEET_ROLLOUT_LEASE_MS,
      everyMs: Math.round(config.FLEET_ROLLOUT_LEASE_MS / 5),
      log,
      onGained: () => void rollouts.lead().catch((err: Error) => log.error({ err: err.message }, 'rollouts not taken up')),
      onLost: () => rollouts.stepDown(),
    });
    // Given back before the rollouts close (scopes close in reverse), so another gateway takes them at once.
    deps.scope.add(async () => {
      await lease?.close();
      leaseRedis.disconnect();
    });
    await lease.start();
  }
  // Telemetry feeds presence and, for mirrors mid-update, the rollout waiting on their report.
  const withRollouts = (to: FleetInbox['presence']): FleetInbox['presence'] => ({
    status: to.status,
    connected: to.connected,
    disconnected: to.disconnected,
    heard: (deviceId: string, connection: number, telemetry?: Telemetry) => {
      to.heard(deviceId, connection, telemetry);
      if (telemetry) rollouts.onTelemetry(deviceId, telemetry);
    },
  });

  /** Last seen and versions into MySQL in one statement per batch, not one write per heartbeat. */
  async function flush(): Promise<void> {
    const ids = presence.takeDirty();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = ids.slice(i, i + 500).map((id) => {
        const p = presence.get(id)!;
        return [id, new Date(p.lastHeard), p.telemetry?.model ?? null, p.telemetry?.appVersion ?? null];
      });
      // IGNORE: a mirror deleted meanwhile fails the foreign key; it is skipped, not the batch.
      await deps.pool.query(
        `INSERT IGNORE INTO fleet_devices (device_id, last_seen_at, model, app_version) VALUES ?
         ON DUPLICATE KEY UPDATE last_seen_at = VALUES(last_seen_at), model = COALESCE(VALUES(model), model), app_version = COALESCE(VALUES(app_version), app_version)`,
        [rows],
      );
    }
  }

  const sweepMs = Math.max(500, Math.min(5000, (config.FLEET_OFFLINE_AFTER_S * 1000) / 10));
  const sweeper = setInterval(() => {
    const silent = presence.sweep();
    if (silent.length) log.info({ count: silent.length, sample: silent.slice(0, 5) }, 'mirrors offline: telemetry stopped');
  }, sweepMs);
  sweeper.unref();
  const flusher = setInterval(() => void flush().catch((err: Error) => log.warn({ err: err.message }, 'last-seen not saved')), config.FLEET_FLUSH_S * 1000);
  flusher.unref();
  deps.scope.add(async () => {
    clearInterval(sweeper);
    clearInterval(flusher);
    await flush().catch((err: Error) => log.warn({ err: err.message }, 'last-seen not saved at shutdown'));
  });

  const inbox: FleetInbox = deps.bus ? await joinCluster(deps.bus) : { presence: withRollouts(presence), shadow, commands };

  /** Presence replicated, reports and command acks relayed: a command sent through any gateway hears its ack. */
  async function joinCluster(bus: ClusterBus): Promise<FleetInbox> {
    const redis = connectRedis(config.REDIS_URL, {}, log);
    const replicated = await replicatePresence({
      presence,
      bus,
      redis,
      prefix: config.QUEUE_PREFIX,
      intervalMs: 1000,
      log,
      // A mirror on another gateway reports how its update went: the driver may be waiting on it.
      onAdopted: (deviceId, p) => p.telemetry && rollouts.onTelemetry(deviceId, p.telemetry),
    });
    deps.scope.add(async () => {
      await replicated.close();
      redis.disconnect();
    });
    await bus.on('shadow-layers', () => void shadow.loadLayers().catch((err: Error) => log.warn({ err: err.message }, 'config layers not reloaded')));
    await bus.on('shadow-group', (m: { deviceId: string; group: string | null }) => shadow.adoptGroup(m.deviceId, m.group ?? undefined));
    await bus.on('shadow-reported', (m: { deviceId: string; report: ConfigReported }) => shadow.adoptReported(m.deviceId, m.report));
    await bus.on('cmd-ack', (m: { deviceId: string; ack: CommandAck }) => commands.onAck(m.deviceId, m.ack));
    return {
      presence: withRollouts(replicated.inbox),
      shadow: {
        async onReported(deviceId, report) {
          const taken = await shadow.onReported(deviceId, report);
          if (taken) await bus.publish('shadow-reported', { deviceId, report });
          return taken;
        },
      },
      commands: {
        onAck(deviceId, ack) {
          if (commands.onAck(deviceId, ack)) return true;
          // Sent through another gateway: that one is waiting for it.
          void bus.publish('cmd-ack', { deviceId, ack }).catch((err: Error) => log.warn({ err: err.message }, 'cmd/ack not relayed'));
          return true;
        },
      },
    };
  }

  return {
    presence,
    shadow,
    commands,
    claims,
    views,
    releases,
    rollouts,
    inbox,
    flush,
    /** Connects the fleet to the running broker: publishes, and the desired config on every connect. */
    attach(broker: { aedes: Aedes; publish: Publish }): void {
      brokerPublish = broker.publish;
      broker.aedes.on('clientReady', (client: Client) => {
        const deviceId = (client as Client & { deviceId?: string }).deviceId;
        if (!deviceId) return;
        shadow.track(deviceId);
        shadow.publishTo(deviceId).catch((err: Error) => log.warn({ deviceId, err: err.message }, 'config/desired not re-sent'));
      });
    },
  };
}

export type Fleet = Awaited<ReturnType<typeof startFleet>>;
