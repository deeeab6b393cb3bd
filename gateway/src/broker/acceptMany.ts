/**
 * Several connections accepted per turn of the event loop on one listening socket.
 *
 * Since libuv 1.45 (Node 20) a listening socket accepts one connection per event-loop turn
 * (libuv PR #3696, "unix: don't accept() connections in a loop"). A gateway's turn also reads and
 * answers every connected mirror that has something to say, so during a connect storm a turn
 * takes milliseconds, accepts stay at a few hundred per second with CPU to spare, and the rest
 * wait in the kernel's accept queue while the agent's 15 s CONNACK timeout runs (issue 14:
 * 10,000 mirrors at 500/s, 245 accepted/s). One connection per turn also means one MySQL
 * lookup per turn: nothing for devices/batchedLookup.ts to batch.
 *
 * libuv watches each file descriptor of a socket on its own, so `count` more descriptors of the
 * same socket accept up to `count + 1` connections per turn. Node 20 has neither `dup()` nor
 * `reusePort` (22.12), so a short-lived child process sends each socket's handle back `count`
 * times over IPC, and every copy arrives as a new descriptor of that socket.
 */
import { fork } from 'node:child_process';
import type { Server } from 'node:net';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('./listenerCopies.js', import.meta.url));

export interface Listener {
  /** A server listening already. */
  server: Server;
  /** Its accept queue's length (listen's backlog): listening on a copy sets it again for the socket. */
  backlog: number;
  /** A server with the same connection handling, to listen on a copy of its socket. */
  make: () => Server;
}

/**
 * Makes `count` more servers listen on the socket of each listener. Resolves with them (close
 * them with the listener's own server).
 */
export async function acceptMany(listeners: Listener[], count: number): Promise<Server[]> {
  if (count <= 0 || listeners.length === 0) return [];
  const helper = fork(HELPER, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const expected = count * listeners.length;
  const copies: Server[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      // A helper that never answers must not hold the gateway's start.
      const timer = setTimeout(() => reject(new Error(`listener copies: ${copies.length} of ${expected} after 10 s`)), 10_000);
      timer.unref();
      helper.once('error', reject);
      helper.once('exit', (code) => reject(new Error(`listener copies: helper exited (${code}) after ${copies.length} of ${expected}`)));
      helper.on('message', ({ index }: { index: number }, handle) => {
        const { make, backlog } = listeners[index]!;
        const s = make();
        // The raw handle of a socket that listens already: libuv starts watching this descriptor,
        // and listen(2) is called again with `backlog` (Node's default, 511, would shrink the queue).
        s.listen(handle as never, backlog);
        copies.push(s);
        if (copies.length === expected) {
          clearTimeout(timer);
          resolve();
        }
      });
      listeners.forEach(({ server }, index) => {
        const handle = (server as Server & { _handle?: unknown })._handle;
        if (!handle) return reject(new Error('listener copies: a server is not listening'));
        helper.send({ index, count }, handle as never);
      });
    });
    return copies;
  } catch (err) {
    await Promise.all(copies.map((s) => new Promise((r) => s.close(r))));
    throw err;
  } finally {
    // Gone before we return: its copies of the sockets would keep them listening after ours close.
    if (helper.exitCode === null && helper.signalCode === null) {
      const gone = new Promise((r) => helper.once('exit', r));
      helper.kill();
      await gone;
    }
  }
}
