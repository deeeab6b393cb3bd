/**
 * Outbox drain rate: N sessions queued while the gateway was unreachable, then the gateway comes
 * back. Runs the agent in-process against the real gateway (its test harness: throwaway MariaDB
 * database, Redis prefix, Firestore emulator) behind a TCP proxy that plays the outage.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { createAgent, createSimulatedAthlete, loadConfig, openSqliteOutbox, realCoach } from '@pose-coach/device';
import { startTestGateway } from '../../gateway/test/support/testGateway.ts';
import { startTcpProxy } from '../../gateway/test/support/tcpProxy.ts';

export interface DrainResult {
  sessions: number;
  /** Until every session was acknowledged `queued` and left the outbox. */
  drainS: number;
  perSecond: number;
  /** Until every session was acknowledged `stored` (written to Firestore and MySQL). */
  storedS: number;
  mysqlRows: number;
  duplicates: number;
}

export async function measureDrain(n: number): Promise<DrainResult> {
  const tg = await startTestGateway();
  const dir = mkdtempSync(join(tmpdir(), 'pose-bench-drain-'));
  const proxy = await startTcpProxy('127.0.0.1', tg.gateway.mqttsPort);
  try {
    const dev = await tg.provision();
    const credentialsFile = join(dir, 'device.json');
    writeFileSync(credentialsFile, JSON.stringify(dev));
    chmodSync(credentialsFile, 0o600);
    const dataDir = join(dir, 'data');
    const store = openSqliteOutbox(join(dataDir, 'outbox.db'));
    const t0 = Date.now() - n * 3_600_000;
    for (let i = 0; i < n; i++) {
      store.put({ sessionId: randomUUID(), exercise: 'squat', reps: 10, accuracy: 0.8, timestamp: new Date(t0 + i * 3_600_000).toISOString(), duration: 60, feedbackPoints: ['Keep your chest up'] });
    }
    store.close();
    proxy.block();
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        'http.port': 0,
        'mqtt.url': `mqtts://127.0.0.1:${proxy.port}`,
        'mqtt.caFile': tg.gateway.caCertPath,
        'mqtt.credentialsFile': credentialsFile,
        'mqtt.reconnectMinMs': 200,
        'mqtt.reconnectMaxMs': 500,
        logLevel: 'warn',
      },
    });
    const agent = await createAgent({ config, log: pino({ level: 'warn' }), source: createSimulatedAthlete({ speed: 0.001 }), createCoach: realCoach });
    await new Promise((r) => setTimeout(r, 1000));
    const pending = () => (agent.diagnostics().outbox as { pending: number }).pending;
    if (pending() !== n) throw new Error(`expected ${n} queued sessions, found ${pending()}`);
    const start = Date.now();
    proxy.unblock(); // the gateway is back
    while (pending() > 0) await new Promise((r) => setTimeout(r, 20));
    const drainS = (Date.now() - start) / 1000;
    // A second, read-only connection (WAL lets it read beside the agent's writer).
    const reader = new Database(join(dataDir, 'outbox.db'), { readonly: true });
    const storedCount = reader.prepare("SELECT COUNT(*) AS n FROM history WHERE sync = 'synced' AND feedback IS NOT NULL");
    const synced = async () => (storedCount.get() as { n: number }).n;
    let storedS = NaN;
    for (let i = 0; i < 1200; i++) {
      if ((await synced()) >= n) {
        storedS = (Date.now() - start) / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const [rows] = await tg.gateway.pool.query('SELECT COUNT(*) AS n, COUNT(DISTINCT session_id) AS d FROM workout_sessions WHERE user_id = ?', [dev.uid]);
    const { n: count, d } = (rows as { n: number; d: number }[])[0]!;
    reader.close();
    await agent.stop('bench over');
    return { sessions: n, drainS, perSecond: n / drainS, storedS, mysqlRows: Number(count), duplicates: Number(count) - Number(d) };
  } finally {
    await proxy.close();
    await tg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
