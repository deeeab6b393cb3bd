/**
 * Operator commands (`npm run gateway:admin -- <command>`):
 *   device create [--id ID] [--name NAME] [--room ROOM]   prints the new device id and secret once
 *   device bind <deviceId> <uid> [--name DISPLAY_NAME]      pairs a mirror with a Firebase uid
 *   device unbind <deviceId>                                 unpairs it (fleet side)
 * Pairing changes are announced over Redis: a running gateway updates Firestore and the mirror's
 * retained `pairing` message (a mirror also gets its state again whenever it connects).
 *   dlq list                                                 dead-lettered store writes
 *   dlq replay [sessionId]                                   retries one, or all
 */
import { parseArgs } from 'node:util';
import { connectRedis } from '../redis.ts';
import { createMysqlPool, runMigrations } from '@pose-coach/cloud-sync';
import { ConfigError, loadGatewayConfig } from '../config.ts';
import { createDeviceRegistry } from '../devices/deviceRegistry.ts';
import { createStoreQueues } from '../queue/storeQueues.ts';
import { listDeadLetters, replayDeadLetters } from '../queue/deadLetter.ts';
import { publishPairingChange } from '../pairing/pairingNotices.ts';
import { PairingError } from '../pairing/pairingErrors.ts';
import { unpairFromFleet } from '../pairing/pairingService.ts';

const USAGE = `usage: npm run gateway:admin -- <command>   (configuration: the gateway's environment, npm run gateway -- --help)

  device create [--id ID] [--name NAME] [--room ROOM]
  device bind <deviceId> <uid> [--name DISPLAY_NAME]
  device unbind <deviceId>
  dlq list
  dlq replay [sessionId]
  --help`;

export async function runAdmin(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { id: { type: 'string' }, name: { type: 'string' }, room: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    out(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [group, command, ...rest] = positionals;
  const config = loadGatewayConfig();

  if (group === 'device') {
    const pool = createMysqlPool(config.MYSQL_URL);
    try {
      await runMigrations(pool);
      const registry = createDeviceRegistry(pool);
      if (command === 'create') {
        const { deviceId, secret } = await registry.create({ deviceId: values.id, name: values.name, room: values.room });
        out(JSON.stringify({ deviceId, secret, note: 'the secret is shown once; the gateway keeps only its hash' }, null, 2));
        return 0;
      }
      const announce = async (change: { deviceId: string; endedUid?: string }) => {
        const redis = connectRedis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
        try {
          await publishPairingChange(redis, config.QUEUE_PREFIX, change);
        } finally {
          redis.disconnect();
        }
      };
      if (command === 'bind' && rest.length === 2) {
        const before = await registry.bindingOf(rest[0]!);
        const b = await registry.bind(rest[0]!, rest[1]!, { displayName: values.name });
        await announce({ deviceId: rest[0]!, ...(before && before.uid !== b.uid ? { endedUid: before.uid } : {}) });
        out(`mirror ${rest[0]} is paired with ${b.uid} (pairing ${b.pairingId})`);
        return 0;
      }
      if (command === 'unbind' && rest.length === 1) {
        try {
          await unpairFromFleet(registry, announce, rest[0]!);
          out(`mirror ${rest[0]} unpaired`);
        } catch (err) {
          if (!(err instanceof PairingError && err.code === 'NOT_PAIRED')) throw err;
          out(`mirror ${rest[0]} was not paired`);
        }
        return 0;
      }
    } finally {
      await pool.end();
    }
  }

  if (group === 'dlq') {
    const queues = createStoreQueues({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, attempts: config.STORE_ATTEMPTS, backoffMs: config.STORE_BACKOFF_MS });
    try {
      if (command === 'list') {
        const rows = await listDeadLetters(queues);
        if (rows.length === 0) out('no dead-lettered writes');
        for (const r of rows) out(`${r.store}\t${r.sessionId}\t${r.uid}\tattempts=${r.attempts}\t${r.failedAt ?? ''}\t${r.failedReason}`);
        return 0;
      }
      if (command === 'replay') {
        out(`replayed ${await replayDeadLetters(queues, rest[0])} write(s)`);
        return 0;
      }
    } finally {
      await queues.close();
    }
  }

  out(USAGE);
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runAdmin(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err instanceof ConfigError ? `bad configuration: ${err.message}` : `error: ${err.message}`);
      process.exit(1);
    },
  );
}
