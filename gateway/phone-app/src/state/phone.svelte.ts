/**
 * The app's state: who is signed in, what the gateway last said about their workouts, whether
 * that is live or a saved copy, and the screen shown. Components stay thin over it.
 */
import { ApiError, GatewayApi, OfflineError } from '../lib/api.ts';
import { readEvents } from '../lib/eventStream.ts';
import { forgetSnapshot, loadSnapshot, saveSnapshot } from '../lib/savedData.ts';
import type { LiveSession, Mirror, Progress, Session, SessionDetail, Summary } from '../lib/types.ts';
import { activityName } from '../lib/format.ts';

export interface SignedInUser {
  uid: string;
  email: string | null;
  name: string | null;
  getIdToken(): Promise<string>;
}

export type Screen = { name: 'home' } | { name: 'session'; id: string } | { name: 'data' };

export function screenFromHash(hash: string): Screen {
  const m = /^#\/session\/(.+)$/.exec(hash);
  if (m) return { name: 'session', id: decodeURIComponent(m[1]!) };
  if (hash === '#/data') return { name: 'data' };
  return { name: 'home' };
}

const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export class PhoneState {
  user = $state<SignedInUser | null>(null);
  screen = $state<Screen>({ name: 'home' });
  summary = $state<Summary | null>(null);
  progress = $state<Progress | null>(null);
  mirrors = $state<Mirror[]>([]);
  sessions = $state<Session[]>([]);
  next = $state<string | null>(null);
  detail = $state<SessionDetail | null>(null);
  /** Set while showing a saved copy: when it was saved. */
  offlineSince = $state<string | null>(null);
  live = $state<'connecting' | 'live' | 'off'>('off');
  /** A short line for the status region (new workout, deleted, errors). */
  notice = $state('');
  noticeIsError = $state(false);
  loading = $state(false);

  private api: GatewayApi | null = null;
  private liveStop: AbortController | null = null;
  private details: Record<string, SessionDetail> = {};

  get offline(): boolean {
    return this.offlineSince !== null;
  }

  say(text: string, isError = false): void {
    this.notice = text;
    this.noticeIsError = isError;
  }

  /** A person signed in (or was remembered): show their saved data at once, then fetch and go live. */
  async signedIn(user: SignedInUser): Promise<void> {
    this.user = user;
    this.api = new GatewayApi(user.uid, () => user.getIdToken(), timeZone());
    const saved = loadSnapshot(user.uid);
    if (saved) {
      this.summary = saved.summary;
      this.progress = saved.progress;
      this.mirrors = saved.mirrors;
      this.sessions = saved.sessions;
      this.next = saved.next;
      this.details = (saved.details ?? {}) as Record<string, SessionDetail>;
    }
    await this.refresh();
    this.goLive();
    if (this.screen.name === 'session') await this.open(this.screen.id);
  }

  signedOut(): void {
    this.liveStop?.abort();
    this.user = null;
    this.api = null;
    this.summary = this.progress = this.detail = null;
    this.sessions = this.mirrors = [];
    this.details = {};
    this.live = 'off';
  }

  private save(): void {
    if (!this.user || !this.summary || !this.progress) return;
    saveSnapshot(this.user.uid, {
      savedAt: new Date().toISOString(),
      summary: this.summary,
      progress: this.progress,
      mirrors: this.mirrors,
      sessions: this.sessions,
      next: this.next,
      details: this.details,
    });
  }

  private wentOffline(): void {
    if (!this.user) return;
    this.offlineSince = loadSnapshot(this.user.uid)?.savedAt ?? new Date(0).toISOString();
  }

  /** Handles the outcome of a call: offline → saved copy; a refusal → its sentence. */
  private failed(err: unknown): void {
    if (err instanceof OfflineError) this.wentOffline();
    else this.say(err instanceof ApiError ? err.message : `Something went wrong: ${(err as Error).message}`, true);
  }

  async refresh(): Promise<void> {
    const api = this.api;
    if (!api) return;
    this.loading = true;
    try {
      const [summary, progress, mirrors, page] = await Promise.all([api.summary(), api.progress(), api.mirrors(), api.history()]);
      Object.assign(this, { summary, progress, mirrors, sessions: page.sessions, next: page.next, offlineSince: null });
      this.save();
    } catch (err) {
      this.failed(err);
    } finally {
      this.loading = false;
    }
  }

  private async refreshStats(): Promise<void> {
    if (!this.api) return;
    const [summary, progress] = await Promise.all([this.api.summary(), this.api.progress()]);
    this.summary = summary;
    this.progress = progress;
  }

  async more(): Promise<void> {
    if (!this.api || !this.next) return;
    try {
      const page = await this.api.history(this.next);
      const known = new Set(this.sessions.map((s) => s.sessionId));
      this.sessions = [...this.sessions, ...page.sessions.filter((s) => !known.has(s.sessionId))];
      this.next = page.next;
      this.save();
    } catch (err) {
      this.failed(err);
    }
  }

  /** The live stream: each workout stored for this person arrives here; reconnects with backoff. */
  goLive(): void {
    this.liveStop?.abort();
    const stop = new AbortController();
    this.liveStop = stop;
    let wait = 1000;
    let reconnecting = false;
    const connect = async () => {
      while (!stop.signal.aborted && this.api) {
        this.live = 'connecting';
        try {
          const res = await this.api.live(stop.signal);
          this.live = 'live';
          wait = 1000;
          await readEvents(res, (e) => {
            // After a gap (offline, or a dropped stream), fetch what may have arrived meanwhile.
            if (e.event === 'ready' && (this.offline || reconnecting)) void this.refresh();
            if (e.event === 'session') void this.arrived(JSON.parse(e.data) as LiveSession);
            if (e.event === 'deleted') void this.gone((JSON.parse(e.data) as { sessionId: string }).sessionId);
            if (e.event === 'updated') this.changed((JSON.parse(e.data) as { session: Session }).session);
          });
        } catch (err) {
          if (stop.signal.aborted) return;
          if (err instanceof OfflineError) this.wentOffline();
        }
        this.live = 'off';
        reconnecting = true;
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 30_000);
      }
    };
    void connect();
  }

  private async arrived(live: LiveSession): Promise<void> {
    const s = live.session;
    if (!this.sessions.some((x) => x.sessionId === s.sessionId)) {
      this.sessions = [s, ...this.sessions].sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
    }
    this.say(`New workout from your mirror: ${activityName(s)}, ${s.reps} reps. ${live.motivationalFeedback}`);
    try {
      await this.refreshStats();
      this.save();
    } catch (err) {
      this.failed(err);
    }
  }

  /** Deleted on another phone (or this one: then it is already gone). */
  private async gone(id: string): Promise<void> {
    if (!this.sessions.some((s) => s.sessionId === id) && !this.details[id]) return;
    this.sessions = this.sessions.filter((s) => s.sessionId !== id);
    delete this.details[id];
    if (this.detail?.session.sessionId === id) this.detail = null;
    try {
      await this.refreshStats();
      this.save();
    } catch (err) {
      this.failed(err);
    }
  }

  private changed(session: Session): void {
    this.sessions = this.sessions.map((s) => (s.sessionId === session.sessionId ? session : s));
    const detail = this.details[session.sessionId];
    if (detail) this.details[session.sessionId] = { ...detail, session };
    if (this.detail?.session.sessionId === session.sessionId) this.detail = { ...this.detail, session };
    this.save();
  }

  async open(id: string): Promise<void> {
    this.detail = this.details[id] ?? null;
    if (!this.api) return;
    try {
      const detail = await this.api.session(id);
      this.detail = this.details[id] = detail;
      this.save();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.detail = null;
      this.failed(err);
    }
  }

  async deleteSession(id: string): Promise<boolean> {
    if (!this.api) return false;
    try {
      await this.api.deleteSession(id);
      this.sessions = this.sessions.filter((s) => s.sessionId !== id);
      delete this.details[id];
      this.detail = null;
      await this.refreshStats();
      this.save();
      this.say('Workout deleted from your account.');
      return true;
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  async nameMovement(id: string, movement: string): Promise<void> {
    if (!this.api) return;
    try {
      const session = await this.api.nameMovement(id, movement);
      this.sessions = this.sessions.map((s) => (s.sessionId === id ? session : s));
      if (this.detail?.session.sessionId === id) this.detail = this.details[id] = { ...this.detail, session };
      await this.refreshStats();
      this.save();
      this.say(`Saved: this workout was ${movement}.`);
    } catch (err) {
      this.failed(err);
    }
  }

  async unpair(deviceId: string): Promise<void> {
    if (!this.api) return;
    try {
      await this.api.unpair(deviceId);
      this.mirrors = this.mirrors.filter((m) => m.deviceId !== deviceId);
      this.save();
      this.say('Mirror unpaired. It no longer saves workouts to your account.');
    } catch (err) {
      this.failed(err);
    }
  }

  /** Downloads every session as a file (JSON or CSV). */
  async download(format: 'json' | 'csv'): Promise<void> {
    if (!this.api) return;
    try {
      const res = await this.api.exportFile(format);
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `pose-coach-sessions.${format}`;
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.say(`Downloaded ${name}.`);
    } catch (err) {
      this.failed(err);
    }
  }

  /**
   * The caller has asked twice. Deletes the person's data in every store, then their sign-in account (`deleteSignIn`), which
   * signs them out. Firebase refuses the second step when the last sign-in is old
   * (auth/requires-recent-login): the data is gone either way, and the person is told how to finish.
   */
  async deleteEverything(deleteSignIn: () => Promise<void>): Promise<boolean> {
    if (!this.api || !this.user) return false;
    let deleted: { mysqlSessions: number; mirrorsUnpaired: number };
    try {
      ({ deleted } = await this.api.deleteEverything());
    } catch (err) {
      this.failed(err);
      return false;
    }
    forgetSnapshot(this.user.uid);
    this.liveStop?.abort();
    this.summary = this.progress = this.detail = null;
    this.sessions = this.mirrors = [];
    this.details = {};
    const data = `Everything is deleted: ${deleted.mysqlSessions} workouts, ${deleted.mirrorsUnpaired} mirror pairing(s)`;
    try {
      await deleteSignIn();
      this.say(`${data}, and your sign-in account.`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      this.say(
        code === 'auth/requires-recent-login'
          ? `${data}. Your sign-in account is kept until you sign in again and choose Delete everything once more.`
          : `${data}. Your sign-in account could not be deleted (${code ?? (err as Error).message}): try again later.`,
        true,
      );
    }
    return true;
  }

}
