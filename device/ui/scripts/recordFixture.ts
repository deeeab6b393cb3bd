/**
 * Records the agent's live events into a replay fixture for `?replay=` (development without a
 * camera): an agent in this process with the simulated athlete and the real coach, its link off,
 * one set of squats from walking in to walking out. Coordinates are rounded to keep the file small.
 *
 *   npm run ui:record -- [--out device/ui/fixtures/simulated-squats.jsonl] [--reps 5]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import WebSocket from 'ws';
import { liveEventSchema, type LiveEvent } from '@pose-coach/protocol';
import { createAgent } from '../../src/agent/agent.ts';
import { realCoach } from '../../src/agent/sessionTracker.ts';
import { loadConfig } from '../../src/agent/config.ts';
import { createSimulatedAthlete } from '../../src/agent/simulatedAthlete.ts';

const { values } = parseArgs({
  options: { out: { type: 'string', default: resolve(import.meta.dirname, '../fixtures/simulated-squats.jsonl') }, reps: { type: 'string', default: '5' } },
});

const round = (n: number) => Math.round(n * 1000) / 1000;
function compact(e: LiveEvent): LiveEvent {
  if (e.type !== 'pose') return e;
  return { ...e, keypoints: e.keypoints.map((k) => ({ name: k.name, x: round(k.x), y: round(k.y), score: round(k.score) })), score: round(e.score), inferenceMs: round(e.inferenceMs), fps: round(e.fps) };
}

const dir = mkdtempSync(join(tmpdir(), 'pc-ui-record-'));
const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'http.port': 0, 'mqtt.url': '', 'coach.idleEndS': 2 } });
const source = createSimulatedAthlete({ fps: 30, repsPerSet: Number(values.reps), repPeriodS: 2.2, restS: 8 });
const agent = await createAgent({ config, log: pino({ level: 'warn' }), source, createCoach: realCoach });
const ws = new WebSocket(`${agent.url.replace('http', 'ws')}live`);
const lines: string[] = [];
const t0 = Date.now();
let endedAt: number | undefined;
await new Promise<void>((done) => {
  ws.on('message', (data) => {
    const e = liveEventSchema.parse(JSON.parse(String(data)));
    lines.push(JSON.stringify({ t: Date.now() - t0, event: compact(e) }));
    if (e.type === 'session' && e.state === 'ended') endedAt = Date.now();
    // A few seconds of the empty room after the set, then stop.
    if (endedAt && Date.now() - endedAt > 3000) done();
  });
  setTimeout(done, 120_000);
});
ws.close();
await agent.stop('recorded');
rmSync(dir, { recursive: true, force: true });
writeFileSync(values.out, lines.join('\n') + '\n');
console.log(`wrote ${lines.length} events (${Math.round((Date.now() - t0) / 1000)} s) to ${values.out}`);
