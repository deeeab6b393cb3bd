/**
 * A loopback TCP proxy in front of a real server, so a test can make that server unreachable
 * (connections cut and refused) and bring it back, without touching the shared server itself.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Cuts every open connection and refuses new ones until `unblock()`. */
  block(): void;
  unblock(): void;
  /** Keeps connections open but stops forwarding what clients send: their requests hang unanswered. */
  stall(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let blocked = false;
  let stalled = false;
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    if (blocked) return client.destroy();
    const upstream = createConnection(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    upstream.pipe(client);
    if (!stalled) client.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    block() {
      blocked = true;
      for (const s of sockets) s.destroy();
    },
    unblock() {
      blocked = false;
    },
    stall() {
      stalled = true;
      for (const [client, upstream] of pairs) client.unpipe(upstream);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
