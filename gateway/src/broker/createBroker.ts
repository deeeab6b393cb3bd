/**
 * The MQTT broker inside the gateway: aedes behind per-device authentication and topic ACLs,
 * listening on plain TCP and on TLS. Messages from devices reach the dispatcher once authorised.
 */
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { Socket } from 'node:net';
import { MAX_MQTT_PACKET_BYTES, parseTopic } from '@pose-coach/protocol';
import { guardPacketSize } from './packetSizeGuard.ts';
import { acceptMany } from './acceptMany.ts';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { createAccessControl } from './accessControl.ts';
import { indexRetained } from './retainedIndex.ts';
import { dispatch, type HandlerContext } from './dispatch.ts';
import type { FleetInbox } from '../fleet/fleetInbox.ts';
import type { ConnectRate } from '../guards/connectRate.ts';
import type { MqttCluster } from '../cluster/mqttCluster.ts';
import type { SessionIngest } from '../ingest/ingestSession.ts';

export interface BrokerOptions {
  host: string;
  port: number;
  tlsPort: number;
  tls: { cert: string; key: string };
  /** Messages the broker delivers at once (aedes `concurrency`). */
  concurrency: number;
  /** Connections each listener accepts per event-loop turn at most (acceptMany.ts); default 1, as Node does. */
  acceptsPerTurn?: number;
  /** Largest MQTT packet read; a bigger one closes the connection (default: protocol's MAX_MQTT_PACKET_BYTES). */
  maxPacketBytes?: number;
  registry: DeviceRegistry;
  ingest: SessionIngest;
  metrics: Metrics;
  log: Logger;
  /** Presence, config reports and command acks go to the fleet. */
  fleet: FleetInbox;
  /** Connects per address before the credential check (guards/connectRate.ts). */
  connectRate?: ConnectRate;
  /** Several gateways as one broker over Redis (cluster/mqttCluster.ts); absent: all in memory. */
  cluster?: MqttCluster;
}

// A deep accept queue: a fleet reconnecting at once (a restart, a failover) must not be reset
// by the kernel while the event loop is busy with the connects before it (default 511).
const BACKLOG = 4096;

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: BACKLOG }, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function createMqttBroker(opts: BrokerOptions) {
  const access = createAccessControl(opts);
  const log = opts.log.child({ part: 'broker' });

  const aedes = await Aedes.createBroker({
    // mqemitter drains messages queued past `concurrency` recursively; a burst of thousands of
    // sessions (no subscribers, so each completes synchronously) then overflows the stack. A limit
    // above the fleet's in-flight deliveries keeps that queue empty.
    concurrency: opts.concurrency,
    ...opts.cluster?.brokerOptions,
    preConnect: (client, packet, done) =>
      access.preConnect(client, packet, (err, ok) => {
        if (err || !ok || !opts.cluster) return done(err, ok);
        // A serial ordered across the cluster, before the connection can publish anything.
        opts.cluster.nextConnectionSerial().then(
          (n) => {
            (client as Client & { connectionSerial?: number }).connectionSerial = n;
            done(null, true);
          },
          (e: Error) => done(e, false),
        );
      }),
    authenticate: access.authenticate,
    authorizePublish: access.authorizePublish,
    authorizeSubscribe: access.authorizeSubscribe,
  });
  if (!opts.cluster) indexRetained(aedes);

  const ctx: HandlerContext = {
    ingest: opts.ingest,
    log,
    fleet: opts.fleet,
    publish: (topic, payload, o = {}) =>
      new Promise((resolve, reject) =>
        aedes.publish(
          {
            cmd: 'publish',
            topic,
            payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
            qos: o.qos ?? 1,
            retain: o.retain ?? false,
            dup: false,
          },
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
  };

  // Handled in `published` so the PUBACK waits until a session is queued: a flood from one mirror
  // is slowed at its own socket instead of piling up in the gateway's memory.
  aedes.published = (packet, client, done) => {
    if (!client) return done();
    const parsed = parseTopic(packet.topic);
    if (!parsed) return done();
    dispatch(ctx, parsed.kind, parsed.deviceId, Buffer.from(packet.payload), connectionOf(client)).then(
      () => done(),
      (err: Error) => {
        log.error({ topic: packet.topic, err: err.message }, 'handler failed');
        done();
      },
    );
  };

  // Serial numbers of connections, in the order the broker first sees them: a Will or a
  // disconnect of a connection older than a mirror's newest is stale (fleet/presence.ts).
  const connections = new WeakMap<object, number>();
  let connectionSerial = 0;
  const connectionOf = (client: object): number => {
    const clustered = (client as { connectionSerial?: number }).connectionSerial;
    if (clustered !== undefined) return clustered;
    let n = connections.get(client);
    if (n === undefined) connections.set(client, (n = ++connectionSerial));
    return n;
  };
  const deviceOf = (client: object) => (client as { deviceId?: string }).deviceId;
  aedes.on('clientReady', (client) => {
    opts.metrics.connectedDevices.set(aedes.connectedClients);
    const deviceId = deviceOf(client);
    if (deviceId) opts.fleet.presence.connected(deviceId, connectionOf(client));
  });
  aedes.on('clientDisconnect', (client) => {
    opts.metrics.connectedDevices.set(aedes.connectedClients);
    const deviceId = deviceOf(client);
    if (deviceId) opts.fleet.presence.disconnected(deviceId, connectionOf(client));
  });
  aedes.on('clientError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'client error'));

  const maxPacket = opts.maxPacketBytes ?? MAX_MQTT_PACKET_BYTES;
  const guarded = (socket: Socket) =>
    guardPacketSize(socket, maxPacket, () => {
      opts.metrics.refusedAccess.inc({ kind: 'packet_too_large' });
      log.warn({ maxPacket }, 'MQTT packet larger than the maximum: connection closed');
    });
  const onConnection = (socket: Socket) => void aedes.handle(guarded(socket));
  const tlsOptions = { cert: opts.tls.cert, key: opts.tls.key };
  const tcp = createTcpServer(onConnection);
  const tls = createTlsServer(tlsOptions, onConnection);
  const port = await listen(tcp, opts.port, opts.host);
  const tlsPort = await listen(tls, opts.tlsPort, opts.host);
  const servers = [tcp, tls];
  const more = (opts.acceptsPerTurn ?? 1) - 1;
  // Node accepts one connection per event-loop turn and listener; more listeners on the same sockets accept more (acceptMany.ts).
  const listeners = [
    { server: tcp, backlog: BACKLOG, make: () => createTcpServer(onConnection) },
    { server: tls, backlog: BACKLOG, make: () => createTlsServer(tlsOptions, onConnection) },
  ];
  await acceptMany(listeners, more).then(
    (copies) => servers.push(...copies),
    // One accept per turn is slower in a storm but serves: not a reason to stay down.
    (err: Error) => log.warn({ err: err.message }, 'MQTT listeners accept one connection per event-loop turn'),
  );
  log.info({ port, tlsPort }, 'MQTT broker listening');

  return {
    aedes,
    port,
    tlsPort,
    publish: ctx.publish,
    async close(): Promise<void> {
      const cluster = opts.cluster;
      const released = cluster ? new Promise<void>((r) => aedes.once('closed', () => void cluster.close().then(r))) : undefined;
      await new Promise<void>((r) => aedes.close(() => r()));
      await released;
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

export type MqttBroker = Awaited<ReturnType<typeof createMqttBroker>>;
