/** Payloads of the other device ↔ gateway topics (DESIGN.md, "MQTT topics"). */
import { z } from 'zod';

export const DEVICE_STATUSES = ['online', 'offline'] as const;
export const deviceStatusSchema = z.enum(DEVICE_STATUSES);
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

/** How the last release a mirror was given ended, kept by the mirror until the next one (fleet rollouts read it). */
export const UPDATE_OUTCOMES = ['installed', 'healthy', 'rolled-back', 'failed'] as const;
export const lastUpdateSchema = z.object({
  kind: z.enum(['model', 'app']),
  version: z.string().max(50),
  /** installed: swapped in, waiting to prove itself; healthy: ran and reported healthy; rolled-back: the previous release is back. */
  outcome: z.enum(UPDATE_OUTCOMES),
  reason: z.string().max(500).optional(),
  at: z.string().optional(),
});
export type LastUpdate = z.infer<typeof lastUpdateSchema>;

export const telemetrySchema = z.object({
  fps: z.number().nonnegative().optional(),
  inferenceMs: z.number().nonnegative().optional(),
  cpuTempC: z.number().optional(),
  memoryMb: z.number().nonnegative().optional(),
  outboxDepth: z.number().int().nonnegative().optional(),
  model: z.string().optional(),
  appVersion: z.string().optional(),
  /** The fleet app release the agent runs from (absent: the installed package). */
  appRelease: z.string().max(50).optional(),
  /** The fleet model release in use (absent: the installed models). */
  modelRelease: z.string().max(50).optional(),
  /** Connected, frames arriving and inference running. */
  healthy: z.boolean().optional(),
  lastUpdate: lastUpdateSchema.optional(),
  uptimeS: z.number().nonnegative().optional(),
  at: z.string().optional(),
});
export type Telemetry = z.infer<typeof telemetrySchema>;

/** Retained on `pairing`: who the mirror belongs to, by display name only (never a token). */
export const pairingMessageSchema = z.object({
  paired: z.boolean(),
  displayName: z.string().max(100).optional(),
  pairingId: z.string().max(100).optional(),
  at: z.string().optional(),
});
export type PairingMessage = z.infer<typeof pairingMessageSchema>;

export const configMessageSchema = z.object({
  version: z.number().int().nonnegative(),
  config: z.record(z.string(), z.unknown()),
});
export type ConfigMessage = z.infer<typeof configMessageSchema>;

export const commandSchema = z.object({
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(50),
  args: z.record(z.string(), z.unknown()).optional(),
  timeoutMs: z.number().int().positive().optional(),
});
export type Command = z.infer<typeof commandSchema>;

export const commandAckSchema = z.object({
  id: z.string(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().optional(),
});
export type CommandAck = z.infer<typeof commandAckSchema>;
