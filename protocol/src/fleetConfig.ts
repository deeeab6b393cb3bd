/**
 * The configuration keys a fleet may set on its mirrors (`config/desired`, layered fleet < group
 * < mirror), each with the schema of its value. One definition: the gateway refuses anything else
 * when an operator sets it (naming the key), and the mirror's agent builds its live-config keys
 * and their checks from the same table (device/src/agent/liveConfig.ts, config.ts).
 */
import { z } from 'zod';

/** The exercises the coach knows (device/src/coach/exercises). */
export const COACH_EXERCISE_NAMES = ['squat', 'pushup', 'lunge', 'jumping_jack', 'bicep_curl', 'shoulder_press', 'plank'] as const;
/** Languages of the coach's cues and feedback points. */
export const CUE_LANGUAGE_CODES = ['en', 'de', 'es'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const exercise = z.enum(COACH_EXERCISE_NAMES);
const frameSide = z.number().int().min(64).max(4096);

/** Key (the agent config's dotted path) → schema of its value and what it does. */
export const FLEET_CONFIG_KEYS = {
  logLevel: { schema: z.enum(LOG_LEVELS), description: 'the agent\'s log level; now' },
  'coach.exercise': { schema: z.enum(['auto', ...COACH_EXERCISE_NAMES]), description: 'the exercise coached, or auto to recognise it; now (ends the open session)' },
  'coach.exercises': { schema: z.array(exercise).min(1), description: 'the exercises this mirror offers; from the next session' },
  // The numbers inside are checked by the mirror against its threshold files; here: per known exercise, an object.
  'coach.thresholds': {
    schema: z.record(z.string(), z.record(z.string(), z.unknown())).superRefine((t, ctx) => {
      for (const k of Object.keys(t)) if (!(COACH_EXERCISE_NAMES as readonly string[]).includes(k)) ctx.addIssue({ code: 'custom', message: `unknown exercise "${k}" (exercises: ${COACH_EXERCISE_NAMES.join(', ')})` });
    }),
    description: 'per-exercise overrides of the coach thresholds, e.g. {"squat": {"counting": {"enterBelow": 0.4}}}; from the next session' },
  'coach.cueLanguage': { schema: z.enum(CUE_LANGUAGE_CODES), description: 'language of cues and feedback points; from the next session' },
  'coach.idleEndS': { schema: z.number().positive(), description: 'seconds without anybody in view that end a session; from the next session' },
  'coach.minReps': { schema: z.number().int().min(0), description: 'sessions with fewer reps are not saved; now' },
  'telemetry.intervalS': { schema: z.number().min(1), description: 'seconds between telemetry messages; now' },
  'source.fps': { schema: z.number().positive().max(120), description: 'camera frame rate; the camera restarts' },
  'source.width': { schema: frameSide, description: 'camera capture width; the camera restarts' },
  'source.height': { schema: frameSide, description: 'camera capture height; the camera restarts' },
} as const satisfies Record<string, { schema: z.ZodType; description: string }>;

export type FleetConfigKey = keyof typeof FLEET_CONFIG_KEYS;
export const FLEET_CONFIG_KEY_NAMES = Object.keys(FLEET_CONFIG_KEYS) as FleetConfigKey[];

export const isFleetConfigKey = (key: string): key is FleetConfigKey => Object.hasOwn(FLEET_CONFIG_KEYS, key);

/**
 * Checks the keys and values of a config change (`null` removes a key from a layer). The first
 * few problems, each naming its key: an unknown key, or a value its schema refuses.
 */
export function checkFleetConfig(set: Record<string, unknown>, opts: { allowNull?: boolean } = {}): { ok: true } | { ok: false; error: string } {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(set)) {
    if (!isFleetConfigKey(key)) {
      problems.push(`${key}: not a fleet config key (keys: ${FLEET_CONFIG_KEY_NAMES.join(', ')})`);
      continue;
    }
    if (value === null && opts.allowNull) continue;
    const r = FLEET_CONFIG_KEYS[key].schema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      problems.push(`${[key, ...(issue?.path ?? [])].join('.')}: ${issue?.message ?? 'invalid'} (got ${JSON.stringify(value)?.slice(0, 80)})`);
    }
  }
  return problems.length ? { ok: false, error: problems.slice(0, 5).join('; ') } : { ok: true };
}
