/**
 * The gateway's configuration: one schema, every option documented with its default, read from
 * the environment and validated at start. A bad value stops start-up naming the variable.
 */
import { z } from 'zod';
import { MAX_MQTT_PACKET_BYTES } from '@pose-coach/protocol';

/** Google's key set for Firebase ID tokens. */
export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Env variable → [schema, default, description]. The description is what `--help` and README show. */
export const GATEWAY_ENV = {
  GATEWAY_HOST: [z.string(), '0.0.0.0', 'address the MQTT and HTTP listeners bind to'],
  GATEWAY_MQTT_PORT: [port, '1884', 'plain MQTT (TCP) port; 1883 is left to a system Mosquitto'],
  GATEWAY_MQTTS_PORT: [port, '8883', 'MQTT over TLS port'],
  GATEWAY_HTTP_PORT: [port, '8080', 'HTTP API port'],
  GATEWAY_HTTPS_PORT: [port.optional(), undefined, 'the same HTTP API over TLS (the MQTTS certificate), for mirrors claiming credentials and downloading releases; unset: no HTTPS listener'],
  MQTT_CONCURRENCY: [z.coerce.number().int().min(10), '10000', 'messages the broker delivers at once before queueing (aedes concurrency)'],
  MQTT_CLUSTER: [z.enum(['off', 'redis']), 'off', 'redis: this gateway is one of several sharing REDIS_URL and QUEUE_PREFIX — MQTT subscriptions, retained and in-flight messages in Redis, publishes relayed between gateways, fleet presence and command acks shared; off: one gateway, broker state in memory'],
  MQTT_CLUSTER_HEARTBEAT_MS: [z.coerce.number().int().min(200), '10000', "with MQTT_CLUSTER=redis: how often each gateway tells the others it is alive (aedes heartbeatInterval, aedes' own default 60 s); one silent for 3 of these is dead, and a survivor publishes its mirrors' Last Wills within 4 more"],
  MQTT_CONNECT_LOOKUP_BATCH: [z.coerce.number().int().min(1).max(1000), '200', "most connecting mirrors whose secret hash (and pairing) one MySQL query looks up: the CONNECTs read in one event-loop turn share a query; 1: one query per connect"],
  MQTT_ACCEPTS_PER_TURN: [z.coerce.number().int().min(1).max(256), '16', "connections each MQTT listener accepts per event-loop turn at most; Node accepts 1, which holds a connect storm in the kernel's accept queue while the gateway answers the mirrors already connected (broker/acceptMany.ts)"],
  MQTT_CONNECT_RATE_PER_ADDRESS: [z.coerce.number().min(0), '20', 'MQTT connects per second from one address, checked before the credentials (0: no limit); excess connects are closed and the mirror retries with backoff'],
  MQTT_CONNECT_BURST_PER_ADDRESS: [z.coerce.number().int().min(1), '200', 'connects one address may make at once before MQTT_CONNECT_RATE_PER_ADDRESS applies (a site behind one NAT reconnecting after a restart)'],
  FLEET_CLAIM_CONCURRENCY: [z.coerce.number().int().min(1).max(50), '2', 'fleet claims (POST /fleet/claim) handled at once; more wait (up to 500, 10 s), beyond that 503 CLAIMS_BUSY with Retry-After'],
  GATEWAY_DATA_DIR: [z.string(), 'var/gateway', 'where the gateway keeps its TLS key and certificate, the local sign-in and the embedded Firestore\'s data'],
  GATEWAY_TLS_CERT: [z.string().optional(), undefined, 'PEM certificate for MQTTS; default: a self-signed one made in the data dir'],
  GATEWAY_TLS_KEY: [z.string().optional(), undefined, 'PEM key for MQTTS (with GATEWAY_TLS_CERT)'],
  REDIS_URL: [z.string().url(), 'redis://127.0.0.1:6379', 'Redis for the BullMQ queues'],
  QUEUE_PREFIX: [z.string().regex(/^[A-Za-z0-9_:-]+$/), 'pose-coach', 'BullMQ key prefix'],
  MYSQL_URL: [z.string().url(), 'mysql://root@127.0.0.1:3306/test', 'MySQL/MariaDB analytics store'],
  FIREBASE_PROJECT_ID: [z.string().min(1), 'pose-coach-dev', 'Firebase project: Firestore project and ID-token audience'],
  FIRESTORE_EMULATOR_HOST: [z.string().optional(), undefined, 'host:port of a Firestore emulator; unset and without Google credentials, one is started in-process'],
  GOOGLE_APPLICATION_CREDENTIALS: [z.string().optional(), undefined, 'service-account file: use the real Firestore'],
  AUTH_MODE: [z.enum(['auto', 'local', 'firebase']), 'auto', 'who signs ID tokens: local = the embedded sign-in (Firebase Auth emulator protocol on this HTTP port, key in <GATEWAY_DATA_DIR>/local-auth); firebase = a real Firebase project; auto = local unless GOOGLE_APPLICATION_CREDENTIALS, FIREBASE_WEB_API_KEY, FIREBASE_AUTH_EMULATOR_URL or FIREBASE_JWKS_URL is set'],
  FIREBASE_JWKS_URL: [z.string().url().optional(), undefined, `key set that signs Firebase ID tokens (AUTH_MODE=firebase); default ${GOOGLE_JWKS_URL}`],
  FIREBASE_TOKEN_ISSUER: [z.string().optional(), undefined, 'expected `iss`; default https://securetoken.google.com/<project>'],
  STORE_ATTEMPTS: [z.coerce.number().int().min(0).max(1_000_000), '0', 'attempts per store write before it is dead-lettered; 0: retry for as long as the store is down'],
  STORE_BACKOFF_MS: [z.coerce.number().int().min(10), '1000', 'first retry delay; doubles each attempt up to STORE_BACKOFF_MAX_MS'],
  STORE_BACKOFF_MAX_MS: [z.coerce.number().int().min(10), '60000', 'longest wait between two attempts of a store write'],
  RECONCILE_EVERY_S: [z.coerce.number().int().min(0), '3600', 'how often the gateway reconciles Firestore and MySQL (a BullMQ repeatable job); 0: never'],
  RECONCILE_WINDOW_H: [z.coerce.number().min(0.01), '48', 'the scheduled reconcile checks sessions whose timestamp is in the last this many hours'],
  RECONCILE_SETTLE_S: [z.coerce.number().min(0), '60', 'a session on one side only, written less than this long ago, is left to its queued write'],
  RECONCILE_REPAIR: [bool, 'true', 'the scheduled reconcile repairs what it finds (Firestore wins); false: it only counts'],
  MQTT_MAX_PACKET_BYTES: [z.coerce.number().int().min(1024), String(MAX_MQTT_PACKET_BYTES), 'largest MQTT packet the broker reads; a bigger one closes the connection'],
  WORKER_CONCURRENCY: [z.coerce.number().int().min(1).max(1000), '64', 'store writes in flight per store'],
  BATCH_MAX: [z.coerce.number().int().min(1).max(500), '100', 'most sessions one batched write carries (a multi-row MySQL insert, a Firestore commit, a BullMQ bulk add, a claim check); 1: each session written on its own (the unbatched path, a baseline for bench:ingest)'],
  RUN_WORKERS: [bool, 'true', 'run the store workers in this process'],
  API_WAIT_MS: [z.coerce.number().int().min(0), '5000', 'how long POST /api/workout/pose-summary waits for both stores'],
  LLM_URL: [z.string().url().optional(), undefined, 'OpenAI-compatible base URL that phrases motivational feedback'],
  LLM_API_KEY: [z.string().optional(), undefined, 'bearer key for LLM_URL (never logged)'],
  LLM_MODEL: [z.string(), 'gpt-4o-mini', 'model name sent to LLM_URL'],
  LLM_TIMEOUT_MS: [z.coerce.number().int().min(100), '1500', 'after this the history-based text is used'],
  PAIRING_PUBLIC_URL: [z.string().url().optional(), undefined, 'base URL phones reach the gateway at (the QR code links to <this>/pair); default: the address the mirror used'],
  PAIRING_CODE_TTL_S: [z.coerce.number().int().min(1).max(3600), '600', 'how long a pairing code shown on a mirror stays valid'],
  PAIRING_POLL_INTERVAL_S: [z.coerce.number().int().min(1).max(60), '5', 'seconds a mirror waits between pairing polls (RFC 8628 interval)'],
  PAIRING_MAX_FAILURES: [z.coerce.number().int().min(1).max(1000), '10', 'wrong pairing codes allowed per address and per person in each window'],
  PAIRING_FAILURE_WINDOW_S: [z.coerce.number().int().min(1), '900', 'the window PAIRING_MAX_FAILURES counts in'],
  PAIRING_CODE_ATTEMPTS: [z.coerce.number().int().min(1).max(100), '10', 'looks and claims one pairing code takes before it stops working'],
  FIREBASE_WEB_API_KEY: [z.string().optional(), undefined, "web API key of the Firebase project, for the phone pairing page's sign-in"],
  FIREBASE_AUTH_DOMAIN: [z.string().optional(), undefined, 'Firebase Auth domain for the pairing page; default <project>.firebaseapp.com'],
  FIREBASE_AUTH_EMULATOR_URL: [z.string().url().optional(), undefined, 'Firebase Auth emulator the pairing page signs in with (connectAuthEmulator), e.g. http://127.0.0.1:9099'],
  FLEET_ADMIN_TOKEN: [z.string().min(16).optional(), undefined, 'bearer credential of fleet operators (fleet API, page, `pose-coach fleet`); unset: fleet administration refused (never logged)'],
  FLEET_OFFLINE_AFTER_S: [z.coerce.number().min(1), '90', 'a mirror silent this long (no telemetry, no status) is offline; 1.5x the mirrors\' telemetry interval (agent default 60 s)'],
  FLEET_COMMAND_TIMEOUT_MS: [z.coerce.number().int().min(100), '30000', 'how long a remote command waits for its cmd/ack when the caller gives no timeout'],
  FLEET_RELEASES_DIR: [z.string().optional(), undefined, 'where signed model/app releases are kept for mirrors to download; default <GATEWAY_DATA_DIR>/releases'],
  FLEET_UPDATE_TIMEOUT_MS: [z.coerce.number().int().min(1000), '600000', 'how long a rollout waits for one mirror to download, verify, install and self-test a release'],
  FLEET_RELEASE_KEY_FILE: [z.string().optional(), undefined, "PEM of the fleet's Ed25519 public key (`pose-coach fleet release keygen` <path>.pub): every uploaded release is checked against it; unset: uploads refused"],
  FLEET_HEALTH_TIMEOUT_S: [z.coerce.number().min(1), '900', 'how long a rollout waits for a mirror to report healthy from a new app release (the mirror rolls back by itself after its own fleet.healthDeadlineS)'],
  FLEET_RELEASE_MAX_MB: [z.coerce.number().int().min(1).max(2048), '200', 'largest release bundle accepted on upload'],
  FLEET_ROLLOUT_LEASE_MS: [z.coerce.number().int().min(500), '10000', "with MQTT_CLUSTER=redis: how long the rollout driver's Redis lease lives unrenewed (renewed every fifth of it), so how soon another gateway drives after the driver crashed"],
  FLEET_FLUSH_S: [z.coerce.number().min(0.1), '10', 'how often last-seen times and versions are written to MySQL (in one batch)'],
  PHONE_APP_DIR: [z.string().optional(), undefined, 'the built phone app served at /app/ (`npm run app:build`, which `npm start` runs); default gateway/phone-app/dist'],
  LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'pino log level'],
} as const;

type Env = typeof GATEWAY_ENV;
export type GatewayConfig = { [K in keyof Env]: z.output<Env[K][0]> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; `overrides` (tests, embedding) win over `env`. */
export function loadGatewayConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<GatewayConfig> = {},
): GatewayConfig {
  const out: Record<string, unknown> = {};
  for (const [key, [schema, def]] of Object.entries(GATEWAY_ENV)) {
    if (key in overrides) {
      out[key] = (overrides as Record<string, unknown>)[key];
      continue;
    }
    // An empty variable counts as unset: the default applies.
    const raw = env[key] === '' || env[key] === undefined ? def : env[key];
    const parsed = (schema as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      // Credentials are named, never echoed: the message ends up in logs.
      const shown = /TOKEN|SECRET|API_KEY/.test(key) ? '(hidden)' : JSON.stringify(raw);
      throw new ConfigError(`${key}=${shown} is invalid: ${parsed.error.issues[0]?.message ?? 'bad value'}`);
    }
    out[key] = parsed.data;
  }
  return out as GatewayConfig;
}

/** The documented defaults as a table, for `--help`. */
export function describeGatewayConfig(): string {
  return Object.entries(GATEWAY_ENV)
    .map(([k, [, def, doc]]) => `  ${k.padEnd(30)} ${doc}${def !== undefined ? ` (default: ${def})` : ''}`)
    .join('\n');
}
