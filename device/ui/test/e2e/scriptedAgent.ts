/**
 * A stand-in for the agent's live side when a test needs exact input: the built UI served as the
 * agent serves it (its own static-file handler), and a WebSocket that sends what the test says,
 * such as the recorded stream at its real 30 frames a second.
 */
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LiveEventInput } from '@pose-coach/protocol';
import { serveStatic } from '../../../src/agent/staticFiles.ts';
import type { RecordedEvent } from '../../src/live/replayBackend.ts';
import type { HistoryAnswer } from '../../src/live/backend.ts';

export interface ScriptedAgent {
  url: string;
  /** Sent to every client now and to later clients on connect. */
  snapshot: LiveEventInput[];
  history: Partial<Record<string, HistoryAnswer>>;
  health: { ok: boolean; sourceError?: string };
  send(e: LiveEventInput): void;
  /** Plays a recording with its timing (frame times moved to now); resolves at its end. */
  play(events: RecordedEvent[]): Promise<void>;
  close(): Promise<void>;
}

export async function startScriptedAgent(uiDir: string): Promise<ScriptedAgent> {
  const agent: ScriptedAgent = {
    url: '',
    snapshot: [],
    history: {},
    health: { ok: true },
    send: (e) => {
      const text = JSON.stringify(e);
      for (const ws of wss.clients as Set<WebSocket>) ws.send(text);
    },
    async play(events) {
      const t0 = performance.now();
      for (const { t, event } of events) {
        const wait = t - (performance.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        agent.send('frameAt' in event ? { ...event, frameAt: Date.now() } : event);
      }
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/healthz') return json(agent.health, agent.health.ok ? 200 : 503);
    if (url.pathname === '/api/history') {
      const range = url.searchParams.get('range') ?? 'week';
      const empty = { range, since: '', sessions: [], stats: { totalSessions: 0, totalReps: 0, averageAccuracy: 0, totalDuration: 0 } };
      return json(agent.history[range] ?? empty);
    }
    if (!serveStatic(uiDir, url.pathname, res)) json({ error: 'not found' }, 404);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      for (const e of agent.snapshot) ws.send(JSON.stringify(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  agent.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  return agent;
}
