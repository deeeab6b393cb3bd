/**
 * Motivational feedback for a finished session, from the person's own MySQL history: personal
 * best, streak, accuracy trend, the feedback point that keeps coming back. Optionally phrased by
 * an LLM. Never throws: without history it is a generic encouragement, without the LLM the
 * history-based text.
 */
import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { StoredSession } from '@pose-coach/protocol';
import { readSessionHistories, type SessionHistory } from './history.ts';
import { computeFacts } from './facts.ts';
import { genericMessage, messageFromFacts } from './message.ts';
import { phraseWithLlm, type LlmConfig } from './llm.ts';

export interface FeedbackServiceOptions {
  pool: Pool;
  /** When set, the facts are phrased by this OpenAI-compatible endpoint. */
  llm?: LlmConfig;
  log?: Pick<Logger, 'warn'>;
  /** Give up on the history after this long and answer generically (default 3000 ms). */
  historyTimeoutMs?: number;
}

export interface FeedbackService {
  forSession(session: StoredSession): Promise<string>;
  /** forSession for several sessions, their histories read in one query; one text per session, in order. */
  forSessions(sessions: StoredSession[]): Promise<string[]>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createFeedbackService(options: FeedbackServiceOptions): FeedbackService {
  const historyTimeoutMs = options.historyTimeoutMs ?? 3000;
  async function phrase(session: StoredSession, history: SessionHistory): Promise<string> {
    let text: string;
    let facts;
    try {
      facts = computeFacts(session, history);
      text = messageFromFacts(facts);
    } catch (error) {
      options.log?.warn({ err: (error as Error).message, sessionId: session.sessionId }, 'feedback facts failed: generic message');
      return genericMessage(session);
    }
    if (!options.llm) return text;
    try {
      return await phraseWithLlm(options.llm, facts, text);
    } catch (error) {
      options.log?.warn({ err: (error as Error).message, sessionId: session.sessionId }, 'LLM phrasing failed: history-based message');
      return text;
    }
  }

  async function forSessions(sessions: StoredSession[]): Promise<string[]> {
    if (sessions.length === 0) return [];
    let histories: SessionHistory[];
    try {
      histories = await withTimeout(readSessionHistories(options.pool, sessions), historyTimeoutMs, 'reading the session history');
    } catch (error) {
      options.log?.warn({ err: (error as Error).message, sessionIds: sessions.slice(0, 5).map((s) => s?.sessionId) }, 'feedback without history: generic message');
      return sessions.map((session) => genericMessage(session));
    }
    return Promise.all(sessions.map((session, i) => phrase(session, histories[i]!)));
  }

  return {
    async forSession(session) {
      return (await forSessions([session]))[0]!;
    },
    forSessions,
  };
}
