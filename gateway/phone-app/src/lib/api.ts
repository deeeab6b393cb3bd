/**
 * The gateway calls the app makes, each with the person's Firebase ID token. A network failure
 * is an OfflineError (the app then shows what it saved); a refusal is an ApiError with the
 * gateway's own sentence.
 */
import type { HistoryPage, Mirror, Progress, Session, SessionDetail, Summary } from './types.ts';

export class OfflineError extends Error {
  override name = 'OfflineError';
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type TokenSource = () => Promise<string>;

export class GatewayApi {
  constructor(
    private readonly uid: string,
    private readonly token: TokenSource,
    private readonly timeZone: string,
  ) {}

  private get base(): string {
    return `/api/users/${encodeURIComponent(this.uid)}`;
  }

  /** The raw response (for streams and downloads); refusals become ApiError. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${await this.token()}` } });
    } catch (err) {
      throw new OfflineError((err as Error).message);
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
      throw new ApiError(res.status, body.error ?? 'HTTP', body.message ?? `The gateway answered ${res.status}.`);
    }
    return res;
  }

  private async json<T>(path: string, init: RequestInit = {}, body?: unknown): Promise<T> {
    const res = await this.fetch(path, body === undefined ? init : { ...init, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as T;
  }

  private tz = () => `tz=${encodeURIComponent(this.timeZone)}`;

  mirrors = () => this.json<{ mirrors: Mirror[] }>(`${this.base}/mirrors`).then((r) => r.mirrors);
  summary = () => this.json<Summary>(`${this.base}/summary?${this.tz()}`);
  progress = (days = 30) => this.json<Progress>(`${this.base}/progress?${this.tz()}&days=${days}`);
  history = (before?: string, limit = 10) =>
    this.json<HistoryPage>(`${this.base}/history?limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ''}`);
  session = (id: string) => this.json<SessionDetail>(`${this.base}/history/${encodeURIComponent(id)}`);
  nameMovement = (id: string, movement: string) =>
    this.json<{ session: Session }>(`${this.base}/history/${encodeURIComponent(id)}`, { method: 'PATCH' }, { movement }).then((r) => r.session);
  deleteSession = (id: string) => this.json<{ success: boolean }>(`${this.base}/workout-sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
  unpair = (deviceId: string) => this.json<{ success: boolean }>(`/api/pairing/devices/${encodeURIComponent(deviceId)}`, { method: 'DELETE' });
  exportFile = (format: 'json' | 'csv') => this.fetch(`${this.base}/export?format=${format}`);
  deleteEverything = () =>
    this.json<{ deleted: { mirrorsUnpaired: number; firestoreDocuments: number; mysqlSessions: number } }>(this.base, { method: 'DELETE' }, { confirm: 'delete everything' });
  live = (signal: AbortSignal) => this.fetch(`${this.base}/live`, { signal, headers: { accept: 'text/event-stream' } });
}
