/** Step: systemd (../watchdog.ts), last to start: READY=1 once everything before it runs; STOPPING=1 first on the way down. */
import type { Logger } from 'pino';
import { startWatchdog } from '../watchdog.ts';
import type { AgentState } from './state.ts';

export function notifySystemd(i: { state: AgentState; env: NodeJS.ProcessEnv | undefined; log: Logger; status: string }): { stop(): void } {
  const watchdog = startWatchdog({ env: i.env, healthy: () => i.state.alive(), log: i.log });
  watchdog.ready(i.status);
  return {
    stop() {
      watchdog.stopping();
      watchdog.stop();
    },
  };
}
