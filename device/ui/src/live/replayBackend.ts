/**
 * Development without a camera or agent: replays a recorded live-event stream (JSONL, one
 * `{"t": ms since the recording started, "event": LiveEvent}` per line, see
 * scripts/recordFixture.ts) with its original timing, looping. Times in the events are moved to
 * now so clocks and timers read right. History is what the replay has finished so far.
 */
import { liveEventSchema, sessionStats, type LiveEvent, type SessionPayload } from '@pose-coach/protocol';
import { type ActionResult, type HealthAnswer, type HistoryAnswer, type HistoryEntry, type HistoryRange, type LiveHandlers, type MirrorBackend } from './backend.ts';

export interface RecordedEvent {
  t: number;
  event: LiveEvent;
}

/** Parses a recording; a bad line throws naming its number, so a broken fixture is obvious. */
export function parseRecording(text: string): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const raw = JSON.parse(line) as { t?: unknown; event?: unknown };
    const parsed = liveEventSchema.safeParse(raw.event);
    if (typeof raw.t !== 'number' || !parsed.success) throw new Error(`recording line ${i + 1}: not {t, event} with a valid live event`);
    out.push({ t: raw.t, event: parsed.data });
  });
  return out;
}

/** The event as if it happened now (frame times, session start, summary timestamp). */
function retime(e: LiveEvent, now: number): LiveEvent {
  if (e.type === 'pose' || e.type === 'rep' || e.type === 'cue') return { ...e, frameAt: now };
  if (e.type === 'session' && e.state === 'active') return { ...e, startedAt: new Date(now).toISOString() };
  if (e.type === 'session' && e.summary) return { ...e, summary: { ...e.summary, timestamp: new Date(now - e.summary.duration * 1000).toISOString() } };
  return e;
}

export class ReplayBackend implements MirrorBackend {
  private readonly finished: SessionPayload[] = [];

  constructor(private readonly load: () => Promise<RecordedEvent[]>, private readonly opts: { speed?: number; loop?: boolean } = {}) {}

  static fromUrl(url: string, opts?: { speed?: number; loop?: boolean }): ReplayBackend {
    return new ReplayBackend(async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`replay ${url}: HTTP ${res.status}`);
      return parseRecording(await res.text());
    }, opts);
  }

  connect(handlers: LiveHandlers): () => void {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const speed = this.opts.speed ?? 1;
    handlers.connection('connecting');
    this.load().then(
      (events) => {
        if (stopped || events.length === 0) return;
        handlers.connection('open');
        const play = (i: number, startedAt: number) => {
          if (stopped) return;
          // Everything due by now goes out at once (a slow tab catches up instead of drifting).
          while (i < events.length && events[i]!.t / speed <= performance.now() - startedAt) {
            const e = retime(events[i]!.event, Date.now());
            if (e.type === 'session' && e.summary) this.finished.unshift(e.summary);
            handlers.event(e);
            i++;
          }
          if (i >= events.length) {
            if (this.opts.loop === false) return;
            i = 0;
            startedAt = performance.now();
          }
          const wait = Math.max(0, events[i]!.t / speed - (performance.now() - startedAt));
          timer = setTimeout(() => play(i, startedAt), wait);
        };
        play(0, performance.now());
      },
      (err: Error) => handlers.connection('closed', err.message),
    );
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  async history(range: HistoryRange): Promise<HistoryAnswer> {
    const sessions: HistoryEntry[] = this.finished.map((s) => ({ session: s, sync: 'pending', finishedAt: Date.parse(s.timestamp) + s.duration * 1000 }));
    return { range, since: new Date(0).toISOString(), sessions, stats: sessionStats(this.finished) };
  }

  async health(): Promise<HealthAnswer> {
    return { ok: true, source: 'replay' };
  }

  async unpair(): Promise<ActionResult> {
    return { ok: false, error: 'a replayed recording cannot be unpaired' };
  }
}
