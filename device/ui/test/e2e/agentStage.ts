/**
 * What the end-to-end tests against the real agent share: a test gateway, the UI built into a
 * folder of its own, headless Chromium, and (made by each test) one agent and a scratch folder.
 */
import { rmSync } from 'node:fs';
import type { Agent } from '../../../src/agent/agent.ts';
import type { GatewayConfig } from '../../../../gateway/src/index.ts';
import { startTestGateway, type TestGateway } from '../../../../gateway/test/support/testGateway.ts';
import { buildUi, launchChromium, type TestBrowser } from './browser.ts';

export interface AgentStage {
  tg: TestGateway;
  ui: Awaited<ReturnType<typeof buildUi>>;
  chrome: TestBrowser;
}

export async function openAgentStage(gateway: Partial<GatewayConfig> = {}): Promise<AgentStage> {
  const [tg, ui, chrome] = await Promise.all([startTestGateway(gateway), buildUi(), launchChromium()]);
  return { tg, ui, chrome };
}

/** Stops the agent first (it saves its session to the gateway), then the rest; safe after a failed open. */
export async function closeAgentStage(stage: Partial<AgentStage>, agent: Agent | undefined, dir: string): Promise<void> {
  await agent?.stop('test over');
  await stage.chrome?.close();
  await stage.tg?.stop();
  stage.ui?.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
