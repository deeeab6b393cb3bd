/**
 * The agent's one config: a JSON file (all keys optional), then environment overrides, validated
 * at start. Every key, its default and its env name are in `CONFIG_KEYS` (printed by
 * `--print-config-docs`); a bad value stops the agent with the key's name and what it expects.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { FLEET_CONFIG_KEYS, type FleetConfigKey } from '@pose-coach/protocol';
import { DEFAULT_DISK_POLICY } from '../outbox/policy.ts';
import { CONNECT_TIMEOUT_MS } from '../link/mqttLink.ts';
import { EXERCISES, resolveThresholds, ThresholdError, type ThresholdOverrides } from '../coach/index.ts';

const positiveInt = z.number().int().positive();
/** The keys a fleet may set live take their schemas from protocol/ (the gateway checks them with the same). */
const live = <K extends FleetConfigKey>(key: K): (typeof FLEET_CONFIG_KEYS)[K]['schema'] => FLEET_CONFIG_KEYS[key].schema;
const logLevel = live('logLevel');

/** Where state lives by default: systemd's StateDirectory when run as a unit, else ~/.local/share. */
function defaultDataDir(): string {
  return process.env.STATE_DIRECTORY?.split(':')[0] ?? join(homedir(), '.local', 'share', 'pose-coach');
}

export const configSchema = z.strictObject({
    logLevel: logLevel.default('info'),
    /** Directory of the outbox database. */
    dataDir: z.string().min(1).default(defaultDataDir),
    http: z.strictObject({
        /** Localhost only: the mirror UI and its WebSocket are not for the network. */
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8787),
        /** The built mirror UI; served when the folder exists. */
        uiDir: z.string().default(() => resolve(import.meta.dirname, '../../ui/dist')),
      })
      .prefault({}),
    mqtt: z.strictObject({
        /** `mqtts://gateway:8883`, or several gateways comma-separated (tried in turn, failover); empty string switches the link off (sessions wait in the outbox). */
        url: z.string().default('mqtt://127.0.0.1:1883'),
        /** PEM of the gateway's CA, pinned. Required for mqtts. */
        caFile: z.string().optional(),
        /** JSON {deviceId, password}, mode 600. Without it the agent connects anonymously as `deviceId`. */
        credentialsFile: z.string().optional(),
        /** Claim token baked into the image: on first boot, traded with the gateway for the credentials file (device/src/fleet). */
        claimTokenFile: z.string().optional(),
        /** Used only without a credentials file (development). */
        deviceId: z.string().default('mirror-dev'),
        /** The gateway's HTTP API, for QR pairing (device/src/pairing); empty: the MQTT host, port 8080. */
        gatewayHttpUrl: z.string().default(''),
        /** How long "Unpair from …?" on the glass waits for Confirm before it lapses. */
        unpairConfirmS: z.number().positive().default(30),
        keepaliveS: positiveInt.default(30),
        /** How long one connection attempt waits for the gateway's CONNACK before the next address is tried. */
        connectTimeoutMs: positiveInt.default(CONNECT_TIMEOUT_MS),
        reconnectMinMs: positiveInt.default(1000),
        reconnectMaxMs: positiveInt.default(60_000),
      })
      .prefault({}),
    source: z.strictObject({
        /** auto: camera when one is present, else the video when given, else the simulated athlete. */
        kind: z.enum(['auto', 'camera', 'video', 'simulation']).default('auto'),
        /** A video file to play as the camera. */
        video: z.string().optional(),
        /** Loop the video (a demo mirror, `--loop`); by default it plays once and the workout ends with it. */
        loopVideo: z.boolean().default(false),
        /** V4L2 device of a USB webcam (Pi cameras appear through libcamera). */
        cameraDevice: z.string().default('/dev/video0'),
        /** Camera frame rate and capture size; changed live, the camera restarts with them (the simulated athlete and a video ignore them). */
        fps: live('source.fps').default(30),
        width: live('source.width').default(640),
        height: live('source.height').default(480),
      })
      .prefault({}),
    inference: z.strictObject({
        model: z.enum(['movenet-lightning', 'movenet-thunder']).default('movenet-lightning'),
        /** auto: the fastest backend present (ONNX Runtime when its converted models are installed). */
        backend: z.enum(['auto', 'onnx', 'tfjs-node', 'tfjs-wasm']).default('auto'),
      })
      .prefault({}),
    coach: z.strictObject({
        /** The exercise coached; `auto` lets the coach recognise it from the first reps. */
        exercise: live('coach.exercise').default('auto'),
        /** The exercises this mirror offers: auto-recognition considers only these, and `exercise` must be one of them (or auto). */
        exercises: live('coach.exercises').default(() => [...EXERCISES]),
        /** Per-exercise overrides of the coach's threshold files, e.g. {"squat": {"counting": {"enterBelow": 0.4}}}; used from the next session. */
        thresholds: live('coach.thresholds')
          .superRefine((t, ctx) => {
            try {
              resolveThresholds(t as ThresholdOverrides);
            } catch (err) {
              if (!(err instanceof ThresholdError)) throw err;
              ctx.addIssue({ code: 'custom', message: err.message });
            }
          })
          .default({}),
        /** Language of spoken cues and feedback points; used from the next session. */
        cueLanguage: live('coach.cueLanguage').default('en'),
        /** A session ends after this long without anybody in view (and after 3× as long, at least a minute, without a rep). */
        idleEndS: live('coach.idleEndS').default(10),
        /** Sessions with fewer reps are not saved (somebody walked past). */
        minReps: live('coach.minReps').default(1),
      })
      .superRefine((c, ctx) => {
        if (c.exercise !== 'auto' && !c.exercises.includes(c.exercise)) {
          ctx.addIssue({ code: 'custom', path: ['exercise'], message: `"${c.exercise}" is not in coach.exercises (${c.exercises.join(', ')})` });
        }
      })
      .prefault({}),
    telemetry: z.strictObject({ intervalS: live('telemetry.intervalS').default(60) }).prefault({}),
    fleet: z.strictObject({
        /** PEM of the fleet's Ed25519 public key: enables the `update` command (signed releases, device/src/fleet). */
        releaseKeyFile: z.string().optional(),
        /** A new app release must run healthy (connected, frames and inference flowing) within this long after it starts, or the start script rolls it back. */
        healthDeadlineS: z.number().int().min(5).max(3600).default(300),
        /** Starts a new app release gets before the start script calls it a crash loop and rolls it back. */
        maxStarts: z.number().int().min(1).max(20).default(3),
        /** A new model release must run on real frames within this long after it is swapped in, or it is rolled back. */
        modelCheckS: z.number().int().min(1).max(3600).default(60),
      })
      .prefault({}),
    outbox: z.strictObject({
        maxPending: positiveInt.default(DEFAULT_DISK_POLICY.maxPending),
        historyDays: positiveInt.default(DEFAULT_DISK_POLICY.historyDays),
        maxHistory: positiveInt.default(DEFAULT_DISK_POLICY.maxHistory),
        quarantineDays: positiveInt.default(DEFAULT_DISK_POLICY.quarantineDays),
        maxQuarantine: positiveInt.default(DEFAULT_DISK_POLICY.maxQuarantine),
        windowSize: positiveInt.default(32),
        ackTimeoutS: z.number().positive().default(30),
        unpairedRetryS: z.number().positive().default(900),
      })
      .prefault({}),
  });

export type AgentConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Leaf keys, each with its env variable: `mqtt.reconnectMaxMs` → POSE_AGENT_MQTT_RECONNECT_MAX_MS. */
export interface ConfigKey {
  path: string;
  env: string;
  /** list: comma-separated in env; json: a JSON value in env. */
  type: 'string' | 'number' | 'boolean' | 'enum' | 'list' | 'json';
  default: unknown;
  description?: string;
}

function unwrap(t: z.ZodType): z.ZodType {
  let cur = t as z.ZodType & { unwrap?: () => z.ZodType; def: { innerType?: z.ZodType } };
  while (cur.def.innerType) cur = cur.def.innerType as typeof cur;
  return cur;
}

function leafType(t: z.ZodType): ConfigKey['type'] {
  const inner = unwrap(t);
  if (inner instanceof z.ZodNumber) return 'number';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodEnum) return 'enum';
  if (inner instanceof z.ZodArray) return 'list';
  if (inner instanceof z.ZodRecord) return 'json';
  return 'string';
}

function envName(path: string): string {
  return 'POSE_AGENT_' + path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export const CONFIG_KEYS: ConfigKey[] = (() => {
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  const keys: ConfigKey[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string, defs: Record<string, unknown>) => {
    for (const [k, t] of Object.entries(shape)) {
      const inner = unwrap(t);
      const path = prefix ? `${prefix}.${k}` : k;
      if (inner instanceof z.ZodObject) walk(inner.shape as Record<string, z.ZodType>, path, (defs[k] ?? {}) as Record<string, unknown>);
      else keys.push({ path, env: envName(path), type: leafType(t), default: defs[k], description: t.description });
    }
  };
  walk(configSchema.shape as Record<string, z.ZodType>, '', defaults);
  return keys;
})();

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[parts.at(-1)!] = value;
}

function fromEnv(key: ConfigKey, raw: string): unknown {
  if (key.type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || Number.isNaN(n)) throw new ConfigError(`${key.env} (${key.path}): expected a number, got ${JSON.stringify(raw)}`);
    return n;
  }
  if (key.type === 'boolean') {
    if (!['true', 'false', '1', '0'].includes(raw)) throw new ConfigError(`${key.env} (${key.path}): expected true or false, got ${JSON.stringify(raw)}`);
    return raw === 'true' || raw === '1';
  }
  if (key.type === 'list') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (key.type === 'json') {
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      throw new ConfigError(`${key.env} (${key.path}): expected JSON, ${(err as Error).message}`);
    }
  }
  return raw;
}

export interface LoadConfigOptions {
  /** Path of the JSON file; missing is fine when not given explicitly. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Applied last (command-line flags). */
  overrides?: Record<string, unknown>;
}

/** Validated config, or a ConfigError naming the bad key and what it expects. */
export function loadConfig({ file, env = process.env, overrides = {} }: LoadConfigOptions = {}): AgentConfig {
  let raw: Record<string, unknown> = {};
  const path = file ?? env.POSE_AGENT_CONFIG;
  if (path) {
    if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`);
    try {
      raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  for (const key of CONFIG_KEYS) {
    const v = env[key.env];
    if (v !== undefined) setPath(raw, key.path, fromEnv(key, v));
  }
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) setPath(raw, k, v);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const msgs = parsed.error.issues.slice(0, 5).map((i) => {
      const p = i.path.join('.');
      if (i.code === 'unrecognized_keys') return `unknown key ${i.keys.map((k) => (p ? `${p}.${k}` : k)).join(', ')}`;
      const key = CONFIG_KEYS.find((c) => c.path === p);
      return `${p}${key ? ` (env ${key.env})` : ''}: ${i.message}`;
    });
    throw new ConfigError(`invalid agent config${path ? ` in ${path}` : ''}: ${msgs.join('; ')}`);
  }
  return parsed.data;
}

/** The documentation table of every key (markdown). */
export function configDocs(): string {
  const rows = CONFIG_KEYS.map((k) => `| \`${k.path}\` | \`${k.env}\` | ${k.type} | \`${JSON.stringify(k.default) ?? '(none)'}\` |`);
  return ['| key | env | type | default |', '|---|---|---|---|', ...rows].join('\n');
}
