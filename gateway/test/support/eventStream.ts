/** A server-sent event stream read over real HTTP with a bearer token, as the phone app reads it. */
export interface StreamEvent {
  event: string;
  data: string;
}

export async function openEventStream(url: string, token: string) {
  const stop = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: stop.signal });
  if (!res.ok) throw new Error(`event stream refused: ${res.status} ${await res.text()}`);
  const events: StreamEvent[] = [];
  const waiting = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2)).join('\n');
          if (field('data')) events.push({ event: field('event') || 'message', data: field('data') });
          for (const w of waiting) w();
        }
      }
    } catch {
      // aborted
    }
  })();
  let read = 0;
  return {
    events,
    /** The next event named `name` not yet returned (waits up to `timeoutMs`). */
    next(name: string, timeoutMs = 10_000): Promise<StreamEvent> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = events.findIndex((e, j) => j >= read && e.event === name);
          if (i < 0) return false;
          read = i + 1;
          waiting.delete(check);
          clearTimeout(timer);
          resolve(events[i]!);
          return true;
        };
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no "${name}" event in ${timeoutMs} ms; saw ${JSON.stringify(events)}`));
        }, timeoutMs);
        if (!check()) waiting.add(check);
      });
    },
    close: () => stop.abort(),
  };
}
