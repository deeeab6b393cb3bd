/**
 * One HTTP(S) request to the gateway. Over https the gateway's CA (the same PEM the MQTT link
 * pins, mqtt.caFile) is the only one trusted; fetch cannot take a CA, node:https can.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface GatewayRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM of the gateway's CA, required for https URLs. */
  ca?: Buffer | string;
  timeoutMs?: number;
}

export function gatewayRequest(url: string, o: GatewayRequest): Promise<{ status: number; body: Buffer }> {
  const tls = url.startsWith('https:');
  if (tls && !o.ca) return Promise.reject(new Error(`${url} uses TLS but no CA file is configured (mqtt.caFile): refusing to trust the system CAs`));
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      url,
      { method: o.method, headers: o.headers, timeout: o.timeoutMs ?? 15_000, ...(tls ? { ca: o.ca, rejectUnauthorized: true } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${o.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}
