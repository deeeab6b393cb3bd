/** Payloads of the other device ↔ gateway topics (DESIGN.md, "MQTT topics"). */
import { z } from 'zod';

export const DEVICE_STATUSES = ['online', 'offline'] as const;
export const deviceStatusSchema = z.enum(DEVICE_STATUSES);
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

export const telemetrySchema = z.object({
  fps: z.number().nonnegative().optional(),
  inferenceMs: z.number().nonnegative().optional(),
  cpuTempC: z.number().optional(),
  memoryMb: z.number().nonnegative().optional(),
  outboxDepth: z.number().int().nonnegative().optional(),
  model: z.string().optional(),
  appVersion: z.string().optional(),
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
