/**
 * The MQTTS certificate. Without one configured, a self-signed certificate is made once in the
 * data dir; mirrors pin it as their CA (its path is printed at start).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsMaterial {
  cert: string;
  key: string;
  certPath: string;
}

export function loadOrCreateTlsCertificate(dataDir: string, certPath?: string, keyPath?: string): TlsMaterial {
  if (certPath && keyPath) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath };
  }
  const dir = join(dataDir, 'tls');
  const cert = join(dir, 'gateway-cert.pem');
  const key = join(dir, 'gateway-key.pem');
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
          '-days', '825', '-subj', '/CN=pose-coach-gateway', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
        { stdio: 'ignore' },
      );
    } catch (err) {
      throw new Error(`could not make a TLS certificate with openssl (install Debian's openssl, or set GATEWAY_TLS_CERT and GATEWAY_TLS_KEY): ${(err as Error).message}`);
    }
  }
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), certPath: cert };
}
