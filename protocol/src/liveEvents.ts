/**
 * Live events the device agent sends to the mirror UI over its localhost WebSocket (`/live`).
 * One JSON object per message, told apart by `type`. The agent validates what it sends against
 * these schemas in its tests; the UI parses with `liveEventSchema`.
 */
import { z } from 'zod';
import { sessionPayloadSchema } from './session.ts';

/** A joint scaled to the frame: x, y in 0..1 from the top-left corner, so the UI can draw at any size. */
export const liveKeypointSchema = z.object({
  name: z.string(),
  x: z.number(),
  y: z.number(),
  score: z.number().min(0).max(1),
});
export type LiveKeypoint = z.infer<typeof liveKeypointSchema>;

/** Where frames come from; `simulation` must be labelled as such on screen. */
export const FRAME_SOURCE_KINDS = ['camera', 'video', 'simulation'] as const;
export type FrameSourceKind = (typeof FRAME_SOURCE_KINDS)[number];

/** First message on every connection: what the agent is and where its frames come from. */
export const helloEventSchema = z.object({
  type: z.literal('hello'),
  deviceId: z.string(),
  appVersion: z.string(),
  source: z.enum(FRAME_SOURCE_KINDS),
  /** True when the pose is generated, not seen: the UI shows a "simulation" label. */
  simulated: z.boolean(),
  exercise: z.string(),
});

/** One analysed frame. Empty keypoints mean nobody is in view. */
export const poseEventSchema = z.object({
  type: z.literal('pose'),
  /** Agent clock (ms since epoch) when the frame arrived, for latency measurements. */
  frameAt: z.number(),
  keypoints: z.array(liveKeypointSchema),
  score: z.number().min(0).max(1),
  inferenceMs: z.number().nonnegative(),
  fps: z.number().nonnegative(),
  simulated: z.boolean(),
  /** Frame size in pixels, so the UI keeps the body's proportions when it scales x and y. */
  width: z.number().positive().optional(),
  height: z.number().positive().optional(),
});

/** A completed repetition. */
export const repEventSchema = z.object({
  type: z.literal('rep'),
  frameAt: z.number(),
  sessionId: z.string(),
  exercise: z.string(),
  /** Reps so far in this session, including this one. */
  count: z.number().int().nonnegative(),
  score: z.number().min(0).max(1),
  cues: z.array(z.string()),
});

/** A live form cue ("knees out"), shown briefly. */
export const cueEventSchema = z.object({
  type: z.literal('cue'),
  frameAt: z.number(),
  text: z.string(),
  severity: z.enum(['info', 'warn']).default('warn'),
});

export const SESSION_STATES = ['idle', 'active', 'ended'] as const;

/** Session life cycle: `active` when a workout starts, `ended` with its summary, then `idle`. */
export const sessionEventSchema = z.object({
  type: z.literal('session'),
  state: z.enum(SESSION_STATES),
  sessionId: z.string().optional(),
  exercise: z.string().optional(),
  startedAt: z.string().optional(),
  reps: z.number().int().nonnegative().optional(),
  summary: sessionPayloadSchema.optional(),
});

export const LINK_STATES = ['disabled', 'connecting', 'online', 'offline'] as const;

/** The MQTT link to the gateway, and who the mirror is paired with (display name only). */
export const linkEventSchema = z.object({
  type: z.literal('link'),
  state: z.enum(LINK_STATES),
  paired: z.boolean().optional(),
  displayName: z.string().optional(),
  lastError: z.string().optional(),
  /** While unpaired: the short code a person types on the phone, shown under the QR code. */
  pairingCode: z.string().optional(),
  /** While unpaired: what the QR code encodes (the phone's claim link). */
  pairingUrl: z.string().optional(),
  /** While paired: someone pressed "Unpair" on the glass; a confirmation is awaited until this ISO time. */
  unpairConfirmUntil: z.iso.datetime().optional(),
});

/** The durable outbox: what still waits to reach the gateway. */
export const outboxEventSchema = z.object({
  type: z.literal('outbox'),
  /** Sessions not yet acknowledged by the gateway (includes `unpaired`). */
  pending: z.number().int().nonnegative(),
  /** Of those, sessions the gateway refused until the mirror is paired. */
  unpaired: z.number().int().nonnegative(),
  quarantined: z.number().int().nonnegative(),
  lastSyncedAt: z.string().optional(),
});

export const liveEventSchema = z.discriminatedUnion('type', [
  helloEventSchema,
  poseEventSchema,
  repEventSchema,
  cueEventSchema,
  sessionEventSchema,
  linkEventSchema,
  outboxEventSchema,
]);

export type HelloEvent = z.infer<typeof helloEventSchema>;
export type PoseEvent = z.infer<typeof poseEventSchema>;
export type RepEvent = z.infer<typeof repEventSchema>;
export type CueEvent = z.infer<typeof cueEventSchema>;
export type SessionEvent = z.infer<typeof sessionEventSchema>;
export type LinkEvent = z.infer<typeof linkEventSchema>;
export type OutboxEvent = z.infer<typeof outboxEventSchema>;
export type LiveEvent = z.infer<typeof liveEventSchema>;
/** What an event looks like before defaults are applied (what a sender may omit). */
export type LiveEventInput = z.input<typeof liveEventSchema>;
