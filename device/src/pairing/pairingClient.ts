/**
 * The mirror's HTTP calls for QR pairing, the device side of RFC 8628: ask the gateway for a code
 * pair, poll with the device code, unpair. Authenticated with the mirror's own MQTT credentials as
 * HTTP Basic (RFC 8628 §3.1). No token or uid ever comes back: only a display name and pairing id.
 */
import { DEVICE_CODE_GRANT, deviceAuthorizationSchema, devicePairedSchema, type DeviceAuthorization, type DeviceTokenRequest } from '@pose-coach/protocol';
import { gatewayRequest } from '../fleet/gatewayRequest.ts';

export { DEVICE_CODE_GRANT, type DeviceAuthorization };

export type PollResult =
  | { kind: 'approved'; displayName: string; pairingId: string }
  | { kind: 'pending' | 'slow_down'; interval?: number }
  | { kind: 'expired' | 'denied' | 'invalid' };

export class PairingClientError extends Error {
  override name = 'PairingClientError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface PairingClientOptions {
  /** The gateway's HTTP base, e.g. http://gateway.local:8080. */
  baseUrl: string;
  deviceId: string;
  secret: string;
  timeoutMs?: number;
  /** PEM of the gateway's CA (mqtt.caFile): the only one trusted for an https baseUrl, as for claims and releases. */
  ca?: Buffer | string;
}

/** The gateway's HTTP address when only its MQTT URL is configured: same host, port 8080. */
export function gatewayHttpUrlFrom(mqttUrl: string, port = 8080): string {
  // With several gateway addresses, the first one's host (set mqtt.gatewayHttpUrl to a load balancer instead).
  return `http://${new URL(mqttUrl.split(',')[0]!.trim()).hostname}:${port}`; // an IPv6 hostname keeps its brackets
}

export function createPairingClient(opts: PairingClientOptions) {
  const base = opts.baseUrl.replace(/\/$/, '');
  const auth = `Basic ${Buffer.from(`${opts.deviceId}:${opts.secret}`).toString('base64')}`;

  async function call(method: string, path: string, body?: URLSearchParams): Promise<{ status: number; json: Record<string, unknown> }> {
    let res: { status: number; body: Buffer };
    try {
      res = await gatewayRequest(`${base}${path}`, {
        method,
        headers: { authorization: auth, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(body ? { body: body.toString() } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
        timeoutMs: opts.timeoutMs ?? 10_000,
      });
    } catch (err) {
      throw new PairingClientError(`gateway ${base} unreachable: ${(err as Error).message}`);
    }
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      // a non-JSON answer: judged by its status below
    }
    if (res.status === 401) throw new PairingClientError('the gateway refused this mirror\'s credentials', 401);
    return { status: res.status, json };
  }

  return {
    async authorize(): Promise<DeviceAuthorization> {
      const { status, json } = await call('POST', '/device/pairing/authorize');
      const parsed = deviceAuthorizationSchema.safeParse(json);
      if (status !== 200 || !parsed.success) throw new PairingClientError(`pairing request refused (${status}): ${String(json.error_description ?? json.message ?? 'bad answer')}`, status);
      return parsed.data;
    },

    /** RFC 8628 §3.4/3.5. */
    async poll(deviceCode: string): Promise<PollResult> {
      const request: DeviceTokenRequest = { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode };
      const { status, json } = await call('POST', '/device/pairing/token', new URLSearchParams(request));
      const paired = status === 200 ? devicePairedSchema.safeParse(json) : undefined;
      if (paired?.success) return { kind: 'approved', displayName: paired.data.display_name, pairingId: paired.data.pairing_id };
      const interval = typeof json.interval === 'number' ? json.interval : undefined;
      switch (json.error) {
        case 'authorization_pending':
          return { kind: 'pending', ...(interval ? { interval } : {}) };
        case 'slow_down':
          return { kind: 'slow_down', ...(interval ? { interval } : {}) };
        case 'expired_token':
          return { kind: 'expired' };
        case 'access_denied':
          return { kind: 'denied' };
        case 'invalid_grant':
          return { kind: 'invalid' };
        default:
          throw new PairingClientError(`unexpected poll answer (${status}): ${JSON.stringify(json).slice(0, 200)}`, status);
      }
    },

    /** Ends the pairing; false when the mirror was not paired. */
    async unpair(): Promise<boolean> {
      const { status, json } = await call('DELETE', '/device/pairing');
      if (status === 200) return true;
      if (status === 404) return false;
      throw new PairingClientError(`unpair refused (${status}): ${String(json.message ?? '')}`, status);
    },
  };
}

export type PairingClient = ReturnType<typeof createPairingClient>;
