/**
 * QR pairing between a mirror and the gateway, the device grant of RFC 8628: the bodies both
 * sides speak (device/src/pairing/pairingClient.ts asks and polls; the gateway's device pairing
 * routes and gateway/src/pairing/pairingService.ts answer).
 */
import { z } from 'zod';

/** RFC 8628 §3.4: the grant_type of a device's token poll. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.2: the answer to a device authorization request. */
export const deviceAuthorizationSchema = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().url(),
  verification_uri_complete: z.string().url(),
  expires_in: z.number().int().positive(),
  /** Seconds the device waits between polls (§3.5 `slow_down` raises it). */
  interval: z.number().int().positive().default(5),
});
export type DeviceAuthorization = z.infer<typeof deviceAuthorizationSchema>;

/** RFC 8628 §3.4: the poll (form or JSON body). */
export const deviceTokenRequestSchema = z.object({
  grant_type: z.literal(DEVICE_CODE_GRANT),
  device_code: z.string().min(1),
});
export type DeviceTokenRequest = z.infer<typeof deviceTokenRequestSchema>;

/** A successful poll: no token or uid comes back to the mirror, only whom it is paired with. */
export const devicePairedSchema = z.object({
  paired: z.literal(true),
  /** Empty when the person has no display name. */
  display_name: z.string().default(''),
  pairing_id: z.string().default(''),
});
export type DevicePaired = z.infer<typeof devicePairedSchema>;

/** RFC 8628 §3.5 poll errors (OAuth `{error, error_description}`, with `interval` on the first two). */
export const DEVICE_TOKEN_ERRORS = ['authorization_pending', 'slow_down', 'access_denied', 'expired_token', 'invalid_grant'] as const;
export type DeviceTokenError = (typeof DEVICE_TOKEN_ERRORS)[number];
