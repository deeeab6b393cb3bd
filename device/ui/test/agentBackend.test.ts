// @vitest-environment node
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { LiveEvent } from '@pose-coach/protocol';
import { AgentBackend } from '../src/live/agentBackend.ts';
import type { ConnectionState } from '../src/live/backend.ts';

/** A WebSocket server on a fixed port that the test can stop and start again (the agent restarting). */
async function liveServer(port = 0) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: '/live' });
  await new Promise<void>((r) => http.listen(port, '127.0.0.1', r));
  return {
    port: (http.address() as { port: number }).port,
    wss,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}

const until = async (what: string, cond: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('agent WebSocket client', () => {
  it('parses events with the protocol schemas and drops malformed ones, saying why', async () => {
    const server = await liveServer();
    stops.push(() => server.close());
    server.wss.on('connection', (ws) => {
      ws.send('not json');
      ws.send(JSON.stringify({ type: 'rep', count: -1 }));
      ws.send(JSON.stringify({ type: 'cue', frameAt: 1, text: 'Knees out' }));
    });
    const events: LiveEvent[] = [];
    const bad: string[] = [];
    const backend = new AgentBackend({ baseUrl: `http://127.0.0.1:${server.port}/`, WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket, onBadMessage: (r) => bad.push(r) });
    stops.push(backend.connect({ event: (e) => events.push(e), connection: () => undefined }));
    await until('the cue', () => events.length === 1);
    // Defaults applied by the schema (severity), what the UI relies on.
    expect(events[0]).toEqual({ type: 'cue', frameAt: 1, text: 'Knees out', severity: 'warn' });
    expect(bad[0]).toBe('not JSON');
    expect(bad[1]).toMatch(/sessionId|count/);
  });

  it('reconnects on its own with backoff when the agent restarts, and stops when told', async () => {
    let server = await liveServer();
    const port = server.port;
    let hellos = 0;
    const greet = (wss: WebSocketServer) => wss.on('connection', (ws) => ws.send(JSON.stringify({ type: 'hello', deviceId: 'm', appVersion: '1', source: 'camera', simulated: false, exercise: 'auto' })));
    greet(server.wss);
    const states: ConnectionState[] = [];
    /** When each connection attempt started. */
    const attemptsAt: number[] = [];
    const backoff = { minMs: 50, maxMs: 400 };
    const backend = new AgentBackend({ baseUrl: `http://127.0.0.1:${port}/`, WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket, backoff });
    const stop = backend.connect({ event: (e) => e.type === 'hello' && hellos++, connection: (s) => (states.push(s), s === 'connecting' && attemptsAt.push(Date.now())) });
    await until('first hello', () => hellos === 1);

    await server.close();
    await until('noticed the drop', () => states.at(-1) !== 'open');
    // Down for a while: several attempts, spaced by the backoff (not a tight loop). A busy machine
    // only spaces them more, so the gaps are checked against the backoff's lower bounds.
    await until('three retries', () => attemptsAt.length - 1 >= 3);
    const retries = attemptsAt.slice(1);
    for (let j = 1; j < retries.length; j++) {
      // Retry j+1 waited backoffDelay(j): at least half its ceiling (jitter in the upper half).
      expect(retries[j]! - retries[j - 1]!).toBeGreaterThanOrEqual(Math.min(backoff.minMs * 2 ** j, backoff.maxMs) / 2 - 2);
    }

    server = await liveServer(port);
    greet(server.wss);
    await until('hello after the restart', () => hellos === 2);
    expect(states.at(-1)).toBe('open');

    stop();
    await server.close();
    const before = states.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(states.length).toBe(before);
  });
});
