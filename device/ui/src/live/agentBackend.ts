/**
 * The agent as the UI's data source: live events over its WebSocket (`/live`), parsed with the
 * protocol's schemas, reconnecting with jittered exponential backoff; history and health over
 * its localhost HTTP API.
 */
import { backoffDelay, liveEventSchema, type BackoffOptions } from '@pose-coach/protocol';
import type { ActionResult, HealthAnswer, HistoryAnswer, HistoryRange, LiveHandlers, MirrorBackend, UnpairStep } from './backend.ts';

export interface AgentBackendOptions {
  /** http(s) base of the agent; the WebSocket is `<base>live`. */
  baseUrl: string;
  /** Overrides the WebSocket URL (dev server, tests). */
  liveUrl?: string;
  backoff?: BackoffOptions;
  /** The WebSocket implementation (the browser's by default). */
  WebSocketImpl?: typeof WebSocket;
  /** Bad messages are dropped and told here (one per message); default: a console warning. */
  onBadMessage?(reason: string): void;
}

export const UI_BACKOFF: BackoffOptions = { minMs: 500, maxMs: 10_000 };

export class AgentBackend implements MirrorBackend {
  private readonly base: string;
  private readonly liveUrl: string;

  private readonly badMessage: (reason: string) => void;

  constructor(private readonly opts: AgentBackendOptions) {
    this.badMessage = opts.onBadMessage ?? ((reason) => console.warn(`live event from the agent dropped: ${reason}`));
    this.base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
    this.liveUrl = opts.liveUrl ?? `${this.base.replace(/^http/, 'ws')}live`;
  }

  connect(handlers: LiveHandlers): () => void {
    const WS = this.opts.WebSocketImpl ?? WebSocket;
    const backoff = this.opts.backoff ?? UI_BACKOFF;
    let ws: WebSocket | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;

    const open = () => {
      if (stopped) return;
      handlers.connection('connecting');
      const sock = new WS(this.liveUrl);
      ws = sock;
      sock.onopen = () => {
        attempt = 0;
        handlers.connection('open');
      };
      sock.onmessage = (m: MessageEvent) => {
        let raw: unknown;
        try {
          raw = JSON.parse(String(m.data));
        } catch {
          return this.badMessage('not JSON');
        }
        const parsed = liveEventSchema.safeParse(raw);
        if (!parsed.success) return this.badMessage(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        handlers.event(parsed.data);
      };
      sock.onclose = (e: CloseEvent) => {
        if (ws !== sock) return;
        ws = undefined;
        if (stopped) return;
        const wait = backoffDelay(attempt++, backoff);
        handlers.connection('closed', `connection lost (${e.code}); retrying in ${Math.round(wait / 100) / 10} s`);
        timer = setTimeout(open, wait);
      };
      // An error is followed by close, which schedules the retry.
      sock.onerror = () => undefined;
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      ws?.close();
      ws = undefined;
    };
  }

  async history(range: HistoryRange): Promise<HistoryAnswer> {
    return this.getJson<HistoryAnswer>(`api/history?range=${range}`);
  }

  async health(): Promise<HealthAnswer> {
    // 503 still carries the report (frames stalled): read the body either way.
    const res = await fetch(`${this.base}healthz`, { cache: 'no-store' });
    return (await res.json()) as HealthAnswer;
  }

  async unpair(step: UnpairStep): Promise<ActionResult> {
    try {
      const res = await fetch(`${this.base}api/pairing/unpair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step }) });
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      return res.ok ? { ok: true } : { ok: false, error: body.error ?? `the mirror answered HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: `the mirror's agent did not answer (${(err as Error).message})` };
    }
  }

  private async getJson<T>(path: string): Promise<T> {
    const res = await fetch(`${this.base}${path}`, { cache: 'no-store' });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }
}
