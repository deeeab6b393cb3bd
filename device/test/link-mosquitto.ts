/** Throwaway Mosquitto brokers for the link tests: plain or TLS, on a free port, with their own CA. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';

export const MOSQUITTO_BIN = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
export const SHARED_BROKER = process.env.POSE_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A CA and a server certificate for 127.0.0.1/localhost, made with openssl. */
export function makeCa(dir: string, name = 'ca'): { caFile: string; certFile: string; keyFile: string } {
  const ca = join(dir, `${name}.pem`);
  const caKey = join(dir, `${name}.key`);
  const key = join(dir, `${name}-server.key`);
  const csr = join(dir, `${name}-server.csr`);
  const cert = join(dir, `${name}-server.pem`);
  const ext = join(dir, `${name}-ext.cnf`);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=pose-test-${name}`, '-keyout', caKey, '-out', ca]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', key, '-out', csr]);
  writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', cert]);
  return { caFile: ca, certFile: cert, keyFile: key };
}

export interface Broker {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startMosquitto(dir: string, tls?: { certFile: string; keyFile: string }): Promise<Broker> {
  if (!MOSQUITTO_BIN) throw new Error('mosquitto binary not found (Debian package mosquitto)');
  const port = await freePort();
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // Run as root, mosquitto drops to user `mosquitto`, which cannot read our 0600 key in a 0700 dir.
      `user ${userInfo().username}`,
      ...(tls ? [`certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`] : []),
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(true));
        s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not start on ${port}`);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };
  await start();
  return { port, url: `${tls ? 'mqtts://localhost' : 'mqtt://127.0.0.1'}:${port}`, start, stop };
}
