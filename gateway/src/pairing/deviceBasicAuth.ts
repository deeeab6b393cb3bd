/**
 * The mirror authenticates to the pairing endpoints with its MQTT credentials as HTTP Basic
 * (RFC 8628 §3.1 defers client authentication to OAuth, RFC 6749 §2.3.1: Basic with id:secret).
 */
import type { FastifyRequest } from 'fastify';
import { isValidDeviceId } from '@pose-coach/protocol';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import { PairingError } from './pairingErrors.ts';

export async function authenticateDevice(header: string | undefined, registry: DeviceRegistry): Promise<string> {
  if (!header?.startsWith('Basic ')) throw new PairingError('DEVICE_AUTH_REQUIRED', 'Authorization: Basic <deviceId:secret> is required');
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const deviceId = colon > 0 ? decoded.slice(0, colon) : '';
  const secret = colon > 0 ? decoded.slice(colon + 1) : '';
  if (!isValidDeviceId(deviceId) || !secret || !(await registry.verify(deviceId, secret))) {
    throw new PairingError('DEVICE_AUTH_REQUIRED', 'wrong device id or secret');
  }
  return deviceId;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The mirror a deviceAuthHook authenticated. */
    deviceId?: string;
  }
}

/**
 * An onRequest hook for a mirror's routes: the caller's device id, or the refusal `refuse` makes of
 * the PairingError (each route family answers in its own catalogue).
 */
export function deviceAuthHook(registry: DeviceRegistry, refuse: (err: PairingError) => Error = (err) => err) {
  return async (req: FastifyRequest) => {
    try {
      req.deviceId = await authenticateDevice(req.headers.authorization, registry);
    } catch (err) {
      throw err instanceof PairingError ? refuse(err) : err;
    }
  };
}
