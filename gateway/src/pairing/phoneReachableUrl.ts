/**
 * The base URL a phone opens from the QR code. PAIRING_PUBLIC_URL wins. Without it, the address
 * the mirror called is used, except that a loopback one (127.0.0.1, localhost, ::1: the demo
 * mirror on the gateway's own machine) means nothing on a phone, so it becomes this machine's LAN
 * address on the same port, when the gateway listens on all interfaces and the machine has one.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;

/** The first non-internal IPv4 address (a phone on the same Wi-Fi reaches it), else undefined. */
export function lanAddress(interfaces = networkInterfaces()): string | undefined {
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal && !i.address.startsWith('169.254.')) return i.address;
  }
  return undefined;
}

export function phoneReachableBaseUrl(opts: { publicUrl?: string; calledUrl: string; bindHost: string; lan?: string | undefined }): string {
  if (opts.publicUrl) return opts.publicUrl.replace(/\/$/, '');
  const called = new URL(opts.calledUrl);
  const everywhere = opts.bindHost === '0.0.0.0' || opts.bindHost === '::' || opts.bindHost === '';
  const lan = 'lan' in opts ? opts.lan : lanAddress();
  if (LOOPBACK.test(called.hostname) && everywhere && lan) called.hostname = isIP(lan) === 6 ? `[${lan}]` : lan;
  return called.origin;
}
