/**
 * The mirror's MQTT link to the gateway (DESIGN.md, "MQTT topics"): mqtt.js 5, TLS with a pinned
 * CA (or plain TCP for development), a stable client id with a persistent session (clean: false)
 * so QoS 1 messages queued by the broker while we were away still arrive, a retained `online`
 * birth and an `offline` Last Will on `status`, and reconnects with exponential backoff + jitter.
 * Messages from the gateway are validated and handed to one handler per topic kind.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import {
  backoffDelay,
  commandSchema,
  configMessageSchema,
  pairingMessageSchema,
  parseJson,
  parseTopic,
  sessionAckSchema,
  topicFor,
  TOPIC_KINDS,
  type Command,
  type CommandAck,
  type ConfigMessage,
  type PairingMessage,
  type SessionAck,
  type SessionPayload,
  type Telemetry,
  type BackoffOptions,
  type TopicKind,
} from '@pose-coach/protocol';

export type LinkState = 'connecting' | 'online' | 'offline';

export interface LinkHandlers {
  onState?(state: LinkState, error?: string): void;
  onAck?(ack: SessionAck): void;
  onPairing?(pairing: PairingMessage): void;
  onConfigDesired?(config: ConfigMessage): void;
  onCommand?(cmd: Command): void;
}

export interface LinkOptions {
  /**
   * `mqtts://host:8883` (TLS) or `mqtt://host:1883` (development only); several gateways as a
   * comma-separated list (`mqtts://gw-a:8883,mqtts://gw-b:8883`), tried in turn: each lost or
   * failed connection moves on to the next address (failover).
   */
  url: string;
  deviceId: string;
  password?: string;
  /** PEM of the CA that signed the broker's certificate; the only CA trusted (pinned). */
  ca?: Buffer | string;
  /** Stable across restarts so the broker keeps our persistent session. */
  clientId?: string;
  keepaliveS?: number;
  backoff?: BackoffOptions;
  /** How long one attempt waits for its CONNACK before trying the next address (default CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** Orders the addresses after the first (default Math.random); bench:cluster passes its own to compare with the listed order. */
  random?: () => number;
  log: Logger;
  handlers: LinkHandlers;
}

export interface Link {
  readonly clientId: string;
  readonly deviceId: string;
  state(): LinkState;
  /** QoS 1; resolves on PUBACK. Rejects if the link is closed before then. */
  publishSession(session: SessionPayload): Promise<void>;
  /** QoS 0, dropped while offline (the next one carries fresh figures). */
  publishTelemetry(telemetry: Telemetry): void;
  publishConfigReported(config: ConfigMessage & { error?: string }): Promise<void>;
  publishCommandAck(ack: CommandAck): Promise<void>;
  /** Says `offline` on `status` (a clean disconnect does not fire the Will), then disconnects. */
  close(): Promise<void>;
}

/** The subscriptions a device holds: everything the gateway sends it. */
const INBOUND: TopicKind[] = ['sessionsAck', 'pairing', 'configDesired', 'cmd'];

/** The device id itself: the gateway only lets a mirror use its own id (or `deviceId:suffix`). */
export function defaultClientId(deviceId: string): string {
  return deviceId;
}

/**
 * How long a connection attempt waits for CONNACK before the next address is tried. Not shorter:
 * after a failover the wait is mostly the survivor's accept queue (a busy Node process takes in one
 * new connection per event-loop turn), and an attempt given up there still costs the gateway a
 * turn to accept: with 5 s, one bench:cluster run on a busy machine had 88 attempts given up and a
 * slower failover (p50 9.9 s against 7.7 s with 15 s).
 */
export const CONNECT_TIMEOUT_MS = 15_000;

/**
 * The first address, then the others in an order of this mirror's own: when a gateway dies its
 * mirrors spread over the survivors instead of all landing on the address listed after it.
 */
export function failoverOrder<T>(urls: T[], random: () => number = Math.random): T[] {
  const rest = urls.slice(1);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return [...urls.slice(0, 1), ...rest];
}

/** The gateway addresses in a link url (comma-separated); all must use one scheme. */
export function gatewayUrls(url: string): URL[] {
  const urls = url.split(',').map((u) => u.trim()).filter(Boolean).map((u) => {
    try {
      return new URL(u);
    } catch {
      throw new Error(`MQTT url ${JSON.stringify(u)} is not a URL (expected mqtts://host:port)`);
    }
  });
  if (urls.length === 0) throw new Error('MQTT url is empty');
  const schemes = new Set(urls.map((u) => u.protocol));
  if (schemes.size > 1 || !['mqtt:', 'mqtts:'].includes(urls[0]!.protocol)) {
    throw new Error(`MQTT urls ${url}: every gateway address must be mqtts:// (or mqtt:// for development), all the same`);
  }
  return urls;
}

export function createLink(opts: LinkOptions): Link {
  const { deviceId, log, handlers } = opts;
  const clientId = opts.clientId ?? defaultClientId(deviceId);
  const backoff = opts.backoff ?? { minMs: 1000, maxMs: 60_000 };
  const urls = failoverOrder(gatewayUrls(opts.url), opts.random);
  const tls = urls[0]!.protocol === 'mqtts:';
  if (tls && !opts.ca) throw new Error(`MQTT url ${opts.url} uses TLS but no CA file is configured (mqtt.caFile): refusing to trust the system CAs`);
  if (!tls) log.warn({ url: opts.url }, 'MQTT link without TLS: for development only');

  const statusTopic = topicFor('status', deviceId);
  let attempt = 0;
  let state: LinkState = 'connecting';
  let closing = false;

  const setState = (next: LinkState, error?: string) => {
    if (next === state && !error) return;
    state = next;
    handlers.onState?.(next, error);
  };

  const options: IClientOptions = {
    clientId,
    clean: false,
    protocolVersion: 4,
    keepalive: opts.keepaliveS ?? 30,
    connectTimeout: opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    reconnectPeriod: backoffDelay(0, backoff),
    // A refusing CONNACK (server unavailable while the gateway's registry is down, or a gateway
    // shedding load) is retried with the backoff, on the next address, instead of ending the link.
    reconnectOnConnackError: true,
    queueQoSZero: false,
    // mqtt.js takes the next server on every connection attempt (round robin).
    ...(urls.length > 1
      ? { servers: urls.map((u) => ({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (tls ? 8883 : 1883)), protocol: tls ? ('mqtts' as const) : ('mqtt' as const) })) }
      : {}),
    ...(opts.password !== undefined ? { username: deviceId, password: opts.password } : {}),
    ...(tls ? { ca: opts.ca, rejectUnauthorized: true } : {}),
    will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
  };
  const client: MqttClient = mqtt.connect(urls[0]!.toString(), options);

  // One warning per outage and per new error, not one per reconnect attempt.
  let lastError: string | undefined;
  client.on('connect', (connack) => {
    attempt = 0;
    lastError = undefined;
    client.options.reconnectPeriod = backoffDelay(0, backoff);
    log.info({ clientId, sessionPresent: connack.sessionPresent, ...(urls.length > 1 ? { gateway: `${client.options.host}:${client.options.port}` } : {}) }, 'MQTT link up');
    client.publish(statusTopic, 'online', { qos: 1, retain: true }, (err) => {
      if (err) log.warn({ err: err.message }, 'could not publish the online status');
    });
    // Subscribe on every connect, even when the persistent session kept our subscriptions: a
    // SUBSCRIBE makes the broker send the retained `pairing` and `config/desired` again
    // [MQTT-3.8.4-3], so a restarted agent re-applies its fleet config.
    client.subscribe(
      INBOUND.map((k) => topicFor(k, deviceId)),
      { qos: 1 },
      (err) => {
        if (err) log.error({ err: err.message }, 'MQTT subscribe failed');
      },
    );
    setState('online');
  });
  // mqtt.js reads reconnectPeriod each time it arms its timer: growing it here gives the backoff.
  client.on('reconnect', () => {
    attempt += 1;
    // The TLS server name is set from the first host name and kept; each gateway is checked by its own.
    if (urls.length > 1) delete client.options.servername;
    client.options.reconnectPeriod = backoffDelay(attempt, backoff);
    setState('connecting');
  });
  client.on('close', () => {
    if (!closing && state === 'online') log.warn({ retryInMs: client.options.reconnectPeriod }, 'MQTT link down');
    if (!closing) setState('offline');
  });
  client.on('error', (err) => {
    const level = err.message === lastError ? 'debug' : 'warn';
    lastError = err.message;
    log[level]({ err: err.message, retryInMs: client.options.reconnectPeriod }, 'MQTT link error');
    setState(state === 'online' ? 'online' : 'offline', err.message);
  });

  client.on('message', (topic, payload) => {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.deviceId !== deviceId) return;
    // Empty retained payloads clear a topic; nothing to apply.
    if (payload.length === 0) return;
    const dispatch: Partial<Record<TopicKind, () => void>> = {
      sessionsAck: () => withValid(sessionAckSchema, (v) => handlers.onAck?.(v)),
      pairing: () => withValid(pairingMessageSchema, (v) => handlers.onPairing?.(v)),
      configDesired: () => withValid(configMessageSchema, (v) => handlers.onConfigDesired?.(v)),
      cmd: () => withValid(commandSchema, (v) => handlers.onCommand?.(v)),
    };
    function withValid<T>(schema: Parameters<typeof parseJson<T>>[0], fn: (v: T) => void) {
      const r = parseJson(schema, payload);
      if (!r.ok) {
        log.warn({ topic, error: r.error }, 'ignored an invalid message from the gateway');
        return;
      }
      try {
        fn(r.value);
      } catch (err) {
        log.error({ topic, err: (err as Error).message }, 'handler failed');
      }
    }
    dispatch[parsed.kind]?.();
  });

  const publish = (kind: TopicKind, body: string) =>
    new Promise<void>((resolve, reject) => {
      const k = TOPIC_KINDS[kind];
      client.publish(topicFor(kind, deviceId), body, { qos: k.qos, retain: k.retain }, (err) => (err ? reject(err) : resolve()));
    });

  return {
    clientId,
    deviceId,
    state: () => state,
    publishSession: (session) => publish('sessions', JSON.stringify(session)),
    publishTelemetry(telemetry) {
      if (!client.connected) return;
      client.publish(topicFor('telemetry', deviceId), JSON.stringify(telemetry), { qos: 0 });
    },
    publishConfigReported: (config) => publish('configReported', JSON.stringify(config)),
    publishCommandAck: (ack) => publish('cmdAck', JSON.stringify(ack)),
    async close() {
      closing = true;
      if (client.connected) {
        await Promise.race([
          client.publishAsync(statusTopic, 'offline', { qos: 1, retain: true }).catch((err: Error) => log.warn({ err: err.message }, 'could not say offline on status before closing')),
          new Promise((r) => setTimeout(r, 2000)),
        ]);
      }
      await client.endAsync(true).catch((err: Error) => log.warn({ err: err.message }, 'MQTT client did not close cleanly'));
      setState('offline');
    },
  };
}
