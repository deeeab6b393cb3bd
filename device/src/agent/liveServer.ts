/**
 * The agent's localhost HTTP server: health, the mirror UI's history, the built UI itself, the
 * WebSocket of live events on `/live` (types in @pose-coach/protocol liveEvents), and a few JSON
 * POST actions the glass triggers (unpair).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { HISTORY_RANGES, historySince, isHistoryRange, type HistoryAnswer, type LiveEventInput } from '@pose-coach/protocol';
import type { OutboxStore } from '../outbox/index.ts';
import { mirrorTimeZone } from './timeZone.ts';
import { serveStatic } from './staticFiles.ts';

export interface LiveServerOptions {
  host: string;
  port: number;
  uiDir: string;
  outbox: OutboxStore;
  /** The health report; `ok: false` answers 503. */
  health(): { ok: boolean } & Record<string, unknown>;
  /** Messages every new WebSocket client gets first (hello, current session, link, outbox). */
  snapshot(): LiveEventInput[];
  /** The zone history ranges are days, weeks and months in (default: the mirror's). */
  timeZone?(): string;
  /** POST endpoints taking and answering JSON, by path (e.g. `/api/pairing/unpair`). */
  actions?: Record<string, (body: unknown) => Promise<ActionAnswer>>;
}

export interface ActionAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** An action's JSON body is a few words; anything larger is refused unread. */
const MAX_ACTION_BYTES = 4096;

export interface LiveServer {
  readonly url: string;
  readonly port: number;
  broadcast(event: LiveEventInput): void;
  clients(): number;
  close(): Promise<void>;
}

/** A client this far behind gets no more pose frames until it catches up (rep/cue still go). */
const SLOW_CLIENT_BYTES = 1 << 20;

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false; // `null` (sandboxed frames, files) and garbage
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startLiveServer(opts: LiveServerOptions): Promise<LiveServer> {
  const routes: Record<string, (url: URL, res: ServerResponse) => void> = {
    '/healthz': (_u, res) => {
      const h = opts.health();
      json(res, h.ok ? 200 : 503, h);
    },
    '/api/history': (u, res) => {
      const range = u.searchParams.get('range') ?? 'week';
      if (!isHistoryRange(range)) return json(res, 400, { error: `range must be one of ${HISTORY_RANGES.join(', ')}` });
      const since = historySince(range, (opts.timeZone ?? mirrorTimeZone)());
      const answer: HistoryAnswer = { range, since, sessions: opts.outbox.history(since), stats: opts.outbox.stats(since) };
      json(res, 200, answer);
    },
    '/api/quarantine': (_u, res) => json(res, 200, { sessions: opts.outbox.quarantine() }),
    '/api/outbox': (_u, res) => json(res, 200, opts.outbox.depth()),
  };

  // DNS rebinding: a web page on another name resolving to 127.0.0.1 must not read the history.
  const allowedHost = (req: IncomingMessage) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return host === '' || host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === opts.host;
  };

  // Another site's page in a browser on this machine must not press the glass's buttons: only a
  // JSON body (a cross-site one needs a CORS preflight we never grant) from this host's own origin.
  async function runAction(req: IncomingMessage, res: ServerResponse, action: (body: unknown) => Promise<ActionAnswer>): Promise<void> {
    if (req.method !== 'POST') return json(res, 405, { error: 'only POST, with a JSON body' });
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, req.headers.host)) return json(res, 403, { error: `origin ${origin} not allowed` });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return json(res, 415, { error: 'content-type must be application/json' });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ACTION_BYTES) return json(res, 413, { error: `body over ${MAX_ACTION_BYTES} bytes` });
      chunks.push(chunk);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return json(res, 400, { error: 'body is not JSON' });
    }
    try {
      const answer = await action(body);
      json(res, answer.status, answer.body);
    } catch (err) {
      json(res, 500, { error: (err as Error).message });
    }
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHost(req)) return json(res, 403, { error: `host ${req.headers.host} not allowed: the agent serves localhost only` });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const action = opts.actions?.[url.pathname];
    if (action) return void runAction(req, res, action);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: `only GET here; POST goes to ${Object.keys(opts.actions ?? {}).join(', ') || 'nothing'}` });
    const route = routes[url.pathname];
    if (route) return route(url, res);
    if (serveStatic(opts.uiDir, url.pathname, res)) return;
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(`Pose Coach agent. The mirror UI is not built (${opts.uiDir} missing); live events on ws://…/live, health on /healthz.\n`);
    }
    json(res, 404, { error: `no such path ${url.pathname}` });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!allowedHost(req) || new URL(req.url ?? '/', 'http://localhost').pathname !== '/live') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      for (const e of opts.snapshot()) ws.send(JSON.stringify(e));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    port,
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}/`,
    broadcast(event) {
      const text = JSON.stringify(event);
      for (const ws of wss.clients as Set<WebSocket>) {
        if (ws.readyState !== ws.OPEN) continue;
        if (event.type === 'pose' && ws.bufferedAmount > SLOW_CLIENT_BYTES) continue;
        ws.send(text);
      }
    },
    clients: () => wss.clients.size,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
