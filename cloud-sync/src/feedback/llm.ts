/**
 * Asks an OpenAI-compatible chat/completions endpoint to phrase the facts in one or two
 * sentences. Throws on any failure; the service falls back to the history-based text.
 */
import type { SessionFacts } from './facts.ts';

export interface LlmConfig {
  /** Base URL such as http://127.0.0.1:8080/v1 (…/chat/completions is appended), or the full endpoint. */
  url: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

/** Longest reply accepted: a mirror shows a line or two, not an essay. */
const MAX_REPLY_CHARS = 400;

const SYSTEM_PROMPT =
  'You are an upbeat, concise fitness coach speaking through a smart mirror. Rewrite the facts ' +
  'you are given as one or two short sentences of motivational feedback addressed to the person. ' +
  'Use only the facts given; do not invent numbers. Reply with the sentences only.';

export function chatCompletionsUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/chat/completions') ? trimmed : `${trimmed}/chat/completions`;
}

export async function phraseWithLlm(config: LlmConfig, facts: SessionFacts, draft: string): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  const response = await fetch(chatCompletionsUrl(config.url), {
    method: 'POST',
    headers,
    signal: AbortSignal.timeout(config.timeoutMs),
    body: JSON.stringify({
      model: config.model,
      temperature: 0.7,
      max_tokens: 120,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: `Facts: ${JSON.stringify(facts)}\nDraft: ${draft}` },
      ],
    }),
  });
  if (!response.ok) throw new Error(`LLM answered HTTP ${response.status}`);
  const body = (await response.json()) as { choices?: { message?: { content?: unknown } }[] };
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new Error('LLM reply has no choices[0].message.content');
  const text = content.trim().replace(/^"(.*)"$/s, '$1').trim();
  if (text.length === 0) throw new Error('LLM reply is empty');
  if (text.length > MAX_REPLY_CHARS) throw new Error(`LLM reply is ${text.length} characters, more than ${MAX_REPLY_CHARS}`);
  return text;
}
