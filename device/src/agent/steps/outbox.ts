/** Step: the durable outbox, opened (and pruned) before anything can produce a session. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { LiveEventInput } from '@pose-coach/protocol';
import { openSqliteOutbox, type OutboxStore } from '../../outbox/index.ts';
import type { AgentConfig } from '../config.ts';

const PRUNE_EVERY_MS = 3_600_000;

export interface OutboxInputs {
  config: Pick<AgentConfig, 'dataDir' | 'outbox'>;
  log: Logger;
}

export interface OutboxPart {
  readonly store: OutboxStore;
  /** The `outbox` live event: depth, and when the gateway last took a session. */
  event(lastSyncedAt: string | undefined): LiveEventInput;
  stop(): void;
}

export function openOutbox({ config, log }: OutboxInputs): OutboxPart {
  const store = openSqliteOutbox(join(config.dataDir, 'outbox.db'), config.outbox, {
    onCorrupt: (movedTo, error) => log.error({ movedTo, error }, 'outbox database damaged: moved aside, starting an empty one'),
  });
  const pruned = store.prune();
  if (pruned.pending) log.error({ dropped: pruned.pending }, 'outbox over its maxPending cap: oldest waiting sessions dropped');
  const pruneTimer = setInterval(() => store.prune(), PRUNE_EVERY_MS);
  pruneTimer.unref();
  return {
    store,
    event(lastSyncedAt) {
      const d = store.depth();
      return { type: 'outbox', pending: d.pending, unpaired: d.unpaired, quarantined: d.quarantined, ...(lastSyncedAt ? { lastSyncedAt } : {}) };
    },
    stop() {
      clearInterval(pruneTimer);
      store.close();
    },
  };
}
