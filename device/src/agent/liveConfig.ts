/**
 * `config/desired` applied without a restart. Only the keys below may change live; the message is
 * applied whole or not at all, and the outcome is echoed on `config/reported`
 * (`{version, config, error?}` with the values now in force).
 * Keys are the config's dotted paths, e.g. `{"coach.exercise": "pushup", "telemetry.intervalS": 30}`.
 * `coach.thresholds` takes a whole object (per exercise), `coach.exercises` a list. Coach settings
 * apply from the next session (a session in progress keeps its own); camera settings restart the
 * camera now.
 */
import type { ConfigMessage } from '@pose-coach/protocol';
import { describeIssues, FLEET_CONFIG_KEY_NAMES } from '@pose-coach/protocol';
import { configSchema, type AgentConfig } from './config.ts';

/** The fleet's config keys (protocol/src/fleetConfig.ts): the only ones that change live. */
export const LIVE_KEYS = FLEET_CONFIG_KEY_NAMES;
export type LiveKey = (typeof LIVE_KEYS)[number];

function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    // A live key whose value is an object (coach.thresholds) is one value, not more keys.
    if (v && typeof v === 'object' && !Array.isArray(v) && !(LIVE_KEYS as readonly string[]).includes(p)) Object.assign(out, flatten(v as Record<string, unknown>, p));
    else out[p] = v;
  }
  return out;
}

export function reportedConfig(config: AgentConfig): Record<string, unknown> {
  return Object.fromEntries(LIVE_KEYS.map((k) => [k, getPath(config, k)]));
}

export type LiveConfigResult = { ok: true; config: AgentConfig; changed: LiveKey[] } | { ok: false; error: string };

/** The config after applying `desired` to `current`, or why it cannot be applied. */
export function applyDesired(current: AgentConfig, desired: ConfigMessage): LiveConfigResult {
  const flat = flatten(desired.config);
  const refused = Object.keys(flat).filter((k) => !(LIVE_KEYS as readonly string[]).includes(k));
  if (refused.length) return { ok: false, error: `not changeable live: ${refused.join(', ')} (live keys: ${LIVE_KEYS.join(', ')})` };
  const next = structuredClone(current) as unknown as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(flat)) {
    const parts = k.split('.');
    if (parts.length === 1) (next as Record<string, unknown>)[k] = v;
    else next[parts[0]!]![parts[1]!] = v;
  }
  const parsed = configSchema.safeParse(next);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) };
  const changed = LIVE_KEYS.filter((k) => JSON.stringify(getPath(parsed.data, k)) !== JSON.stringify(getPath(current, k)));
  return { ok: true, config: parsed.data, changed };
}
