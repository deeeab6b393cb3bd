/**
 * Connections accepted per event-loop turn (broker/acceptMany.ts), on real loopback sockets.
 * Node 20 accepts one connection per turn on a listener, however many wait in the kernel's
 * queue; copies of the listening socket accept one each per turn and leave its accept queue as
 * long as it was; closing the servers closes the socket.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptMany } from '../src/broker/acceptMany.ts';
import { loadOrCreateTlsCertificate } from '../src/tlsCertificate.ts';

const open: Array<Server | Socket> = [];
afterEach(async () => {
  const all = open.splice(0);
  // Sockets first: a server's close waits for its connections.
  for (const x of all) if ('destroy' in x) x.destroy();
  await Promise.all(all.filter((x): x is Server => !('destroy' in x)).map((s) => new Promise((r) => s.close(r))));
});

/** Listens with `copies` more servers on the same socket, `waiting` clients connect, and every turn is kept busy 5 ms: the most connections one turn accepted. */
async function mostAcceptedInOneTurn(copies: number, waiting = 40): Promise<number> {
  let turn = 0;
  const perTurn = new Map<number, number>();
  const onConnection = (s: Socket) => {
    open.push(s);
    perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
  };
  const server = createServer(onConnection);
  open.push(server);
  await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, r));
  open.push(...(await acceptMany([{ server, backlog: 1024, make: () => createServer(onConnection) }], copies)));
  const { port } = server.address() as AddressInfo;
  for (let i = 0; i < waiting; i++) {
    const c = connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    open.push(c);
  }
  // A busy gateway: each turn of the loop does 5 ms of other work.
  await new Promise<void>((done) => {
    const tick = () => {
      turn++;
      const t = performance.now();
      while (performance.now() - t < 5);
      const accepted = [...perTurn.values()].reduce((a, b) => a + b, 0);
      if (accepted >= waiting || turn > 2000) done();
      else setImmediate(tick);
    };
    setImmediate(tick);
  });
  expect([...perTurn.values()].reduce((a, b) => a + b, 0)).toBe(waiting);
  return Math.max(...perTurn.values());
}

describe('connections accepted per event-loop turn', () => {
  it('is one on a plain listener however many connections wait', async () => {
    expect(await mostAcceptedInOneTurn(0)).toBe(1);
  });

  it('is one per copy of the listening socket, the original included', async () => {
    const most = await mostAcceptedInOneTurn(7);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
  });

  it("leaves the socket's accept queue as long as it was", async () => {
    const server = createServer();
    open.push(server);
    await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
    const { port } = server.address() as AddressInfo;
    // For a listening socket, ss shows the accept queue's limit in Send-Q.
    const limit = () => Number(execFileSync('ss', ['-ltnH', `sport = :${port}`]).toString().trim().split(/\s+/)[2]);
    expect(limit()).toBe(4096);
    open.push(...(await acceptMany([{ server, backlog: 4096, make: () => createServer() }], 3)));
    expect(limit()).toBe(4096);
  });

  it('serves TLS on every copy of a TLS listener', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-accept-'));
    try {
      const { cert, key } = loadOrCreateTlsCertificate(dir);
      const served = new Set<Server>();
      const make = () => {
        const s = createTlsServer({ cert, key }, (socket) => {
          served.add(s);
          socket.end('hello');
        });
        return s;
      };
      const server = make();
      open.push(server);
      await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1' }, r));
      open.push(...(await acceptMany([{ server, backlog: 511, make }], 3)));
      const { port } = server.address() as AddressInfo;
      const greetings = await Promise.all(
        Array.from({ length: 40 }, () => new Promise<string>((resolve, reject) => {
          const c = connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false });
          let got = '';
          c.on('data', (d: Buffer) => (got += d.toString()));
          c.on('end', () => resolve(got));
          c.on('error', reject);
        })),
      );
      expect(greetings.every((g) => g === 'hello')).toBe(true);
      expect(served.size).toBeGreaterThan(1); // the copies took some of them
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops accepting on the port once the server and its copies are closed', async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1' }, r));
    const { port } = server.address() as AddressInfo;
    const copies = await acceptMany([{ server, backlog: 511, make: () => createServer((s) => s.destroy()) }], 3);
    expect(copies).toHaveLength(3);
    await Promise.all([server, ...copies].map((s) => new Promise((r) => s.close(r))));
    const refused = await new Promise<string>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.on('connect', () => (c.destroy(), resolve('connected')));
      c.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
