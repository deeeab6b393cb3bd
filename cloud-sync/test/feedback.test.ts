import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredSession } from '@pose-coach/protocol';
import {
  createFeedbackService,
  createMysqlPool,
  createMysqlSessionRepository,
  ensureProfile,
  genericMessage,
  type SessionRepository,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from './support/testStores.ts';
import { makeSession } from './sessionRepositoryConformance.ts';

let db: TestDatabase;
let repo: SessionRepository;

beforeAll(async () => {
  db = await createTestDatabase();
  repo = createMysqlSessionRepository(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

/** A person with three earlier squat days in a row and a form point that keeps coming back. */
async function personWithHistory(): Promise<{ uid: string; today: StoredSession }> {
  const uid = `uid-${randomUUID()}`;
  const earlier: Partial<StoredSession>[] = [
    { timestamp: '2026-11-25T18:00:00.000Z', reps: 20, accuracy: 0.7, feedbackPoints: ['Keep your knees out'] },
    { timestamp: '2026-11-26T18:00:00.000Z', reps: 15, accuracy: 0.72, feedbackPoints: ['Keep your knees out', 'Go deeper'] },
    { timestamp: '2026-11-27T18:00:00.000Z', reps: 18, accuracy: 0.74, feedbackPoints: ['Go deeper'] },
    { timestamp: '2026-11-28T07:00:00.000Z', exercise: 'pushup', reps: 30, accuracy: 0.9, feedbackPoints: [] },
  ];
  for (const fields of earlier) await repo.save(makeSession({ userId: uid, timeZone: 'UTC', ...fields }));
  const today = makeSession({
    userId: uid,
    timeZone: 'UTC',
    timestamp: '2026-11-28T18:00:00.000Z',
    reps: 25,
    accuracy: 0.86,
    feedbackPoints: ['keep your knees out'],
  });
  return { uid, today };
}

describe('feedback from the person’s history', () => {
  it('names a new personal best, the streak, the accuracy trend and the recurring form point', async () => {
    const { today } = await personWithHistory();
    const text = await createFeedbackService({ pool: db.pool }).forSession(today);
    expect(text).toContain('New personal best: 25 squat reps, beating your previous best of 20!');
    expect(text).toContain("That's a 4-day streak");
    expect(text).toContain('up from your recent 72%');
    expect(text).toContain('"keep your knees out" came up in 3 of your last 4 sessions');
  });

  it('leaves the session itself out of its history when it is already stored', async () => {
    const { today } = await personWithHistory();
    await repo.save(today);
    const text = await createFeedbackService({ pool: db.pool }).forSession(today);
    expect(text).toContain('New personal best: 25 squat reps');
  });

  it('reminds of the personal best when this session did not beat it', async () => {
    const { today } = await personWithHistory();
    const text = await createFeedbackService({ pool: db.pool }).forSession({ ...today, reps: 12, accuracy: 0.6 });
    expect(text).toContain('12 squat reps done; your personal best is 20.');
    expect(text).toContain('slow down and focus on form');
  });

  it('welcomes the first session of an exercise and mentions no streak for a single day', async () => {
    const session = makeSession({ userId: `uid-${randomUUID()}`, exercise: 'lunge', reps: 9 });
    const text = await createFeedbackService({ pool: db.pool }).forSession(session);
    expect(text).toBe('First lunge session logged: 9 reps, a great start!');
  });

  it('never feeds praise back as a fault: a recurring "Great depth" is not a focus, a recurring correction still is', async () => {
    const uid = `uid-${randomUUID()}`;
    for (const [i, day] of ['25', '26', '27', '28'].entries()) {
      const points = i < 2 ? ['Squat deeper', 'Great depth'] : ['Great depth'];
      await repo.save(makeSession({ userId: uid, timeZone: 'UTC', timestamp: `2026-11-${day}T08:00:00.000Z`, feedbackPoints: points }));
    }
    const service = createFeedbackService({ pool: db.pool });
    const praiseOnly = await service.forSession(makeSession({ userId: uid, timeZone: 'UTC', timestamp: '2026-11-29T08:00:00.000Z', feedbackPoints: ['Great depth'] }));
    expect(praiseOnly).not.toContain('Great depth');
    expect(praiseOnly).not.toContain('make it your focus');
    const withFault = await service.forSession(makeSession({ userId: uid, timeZone: 'UTC', timestamp: '2026-11-29T08:00:00.000Z', feedbackPoints: ['Squat deeper', 'Tolle Tiefe'] }));
    expect(withFault).toContain('"Squat deeper" came up in 3 of your last 5 sessions: make it your focus next time.');
  });

  it('counts streak days in the person’s time zone, not in UTC', async () => {
    const uid = `uid-${randomUUID()}`;
    // 14:00Z on the 27th is 23:00 in Tokyo; 16:00Z on the 28th is already 01:00 on the 29th there.
    await repo.save(makeSession({ userId: uid, timestamp: '2026-11-27T14:00:00.000Z' }));
    const next = makeSession({ userId: uid, timestamp: '2026-11-28T16:00:00.000Z' });
    const service = createFeedbackService({ pool: db.pool });
    expect(await service.forSession({ ...next, timeZone: 'UTC' })).toContain('2-day streak');
    expect(await service.forSession({ ...next, timeZone: 'Asia/Tokyo' })).not.toContain('streak');
    // Without a zone on the session, the profile's counts.
    await ensureProfile(db.pool, uid, { timeZone: 'Asia/Tokyo' });
    expect(await service.forSession(next)).not.toContain('streak');
  });

  // The history reads times by quarter hour (history.ts); a quarter-hour offset's midnight is on one.
  it('counts sessions just before and just after local midnight in a quarter-hour zone on their own days', async () => {
    const uid = `uid-${randomUUID()}`;
    // Kathmandu is UTC+5:45: 18:14Z is 23:59 on the 27th there, 18:15Z is 00:00 on the 28th.
    await repo.save(makeSession({ userId: uid, timestamp: '2026-11-27T18:14:59.000Z' }));
    await repo.save(makeSession({ userId: uid, timestamp: '2026-11-27T18:15:01.000Z' }));
    await repo.save(makeSession({ userId: uid, timestamp: '2026-11-27T18:16:00.000Z' }));
    const service = createFeedbackService({ pool: db.pool });
    // 19:00Z on the 28th is 00:45 on the 29th: the 27th, the 28th and the 29th.
    const next = makeSession({ userId: uid, timestamp: '2026-11-28T19:00:00.000Z', timeZone: 'Asia/Kathmandu' });
    expect(await service.forSession(next)).toContain('3-day streak');
  });
});

describe('feedback when history cannot be read', () => {
  it('gives a generic encouragement, without throwing, when the pool is closed', async () => {
    const pool = createMysqlPool(db.url);
    await pool.end();
    const session = makeSession({ reps: 14 });
    const text = await createFeedbackService({ pool }).forSession(session);
    expect(text).toBe(genericMessage(session));
    expect(text).toContain('14 reps logged');
  });

  it('gives up after historyTimeoutMs when MySQL does not answer', async () => {
    // A TCP server that accepts and never speaks: the MySQL handshake never comes.
    const silent: TcpServer = createTcpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const pool = createMysqlPool(`mysql://root@127.0.0.1:${(silent.address() as AddressInfo).port}/none`, { connectTimeout: 1000 });
    try {
      const started = Date.now();
      const text = await createFeedbackService({ pool, historyTimeoutMs: 300 }).forSession(makeSession({ reps: 3 }));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(text).toContain('3 reps logged');
    } finally {
      await pool.end().catch(() => {});
      silent.close();
    }
  });
});

describe('feedback phrased by an LLM (OpenAI-compatible chat/completions on loopback)', () => {
  const received: { auth?: string; body: any }[] = [];
  let answering: Server;
  let hanging: Server;
  let failing: Server;
  const url = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

  async function readBody(req: IncomingMessage): Promise<any> {
    let text = '';
    for await (const chunk of req) text += chunk;
    return JSON.parse(text);
  }
  async function listen(server: Server) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  beforeAll(async () => {
    answering = createServer(async (req, res) => {
      const body = await readBody(req);
      received.push({ auth: req.headers.authorization, body });
      if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          model: body.model,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '  "25 squats - a new record, and four days running!"  ' } }],
        }),
      );
    });
    hanging = createServer(() => {}); // accepts the request, never answers
    failing = createServer((_req, res) => res.writeHead(500).end('{"error":"overloaded"}'));
    await Promise.all([listen(answering), listen(hanging), listen(failing)]);
  });
  afterAll(() => {
    for (const server of [answering, hanging, failing]) {
      server?.closeAllConnections();
      server?.close();
    }
  });

  it('returns the model’s phrasing of the facts', async () => {
    const { today } = await personWithHistory();
    const service = createFeedbackService({ pool: db.pool, llm: { url: url(answering), apiKey: 'k-123', model: 'tiny-coach', timeoutMs: 2000 } });
    expect(await service.forSession(today)).toBe('25 squats - a new record, and four days running!');
    const request = received.at(-1)!;
    expect(request.auth).toBe('Bearer k-123');
    expect(request.body.model).toBe('tiny-coach');
    const prompt = request.body.messages.map((m: { content: string }) => m.content).join('\n');
    expect(prompt).toContain('"previousBestReps":20');
    expect(prompt).toContain('"streakDays":4');
  });

  it('falls back to the history-based text when the model does not answer within the timeout', async () => {
    const { today } = await personWithHistory();
    const withoutLlm = await createFeedbackService({ pool: db.pool }).forSession(today);
    const started = Date.now();
    const text = await createFeedbackService({ pool: db.pool, llm: { url: url(hanging), model: 'm', timeoutMs: 300 } }).forSession(today);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(text).toBe(withoutLlm);
  });

  it('falls back to the history-based text when the model answers with an error', async () => {
    const { today } = await personWithHistory();
    const text = await createFeedbackService({ pool: db.pool, llm: { url: url(failing), model: 'm', timeoutMs: 2000 } }).forSession(today);
    expect(text).toContain('New personal best');
  });
});
