/**
 * bench/fleet's simulated mirrors, in their own process: raw MQTT 3.1.1 over loopback sockets
 * (mqtt-packet, no client library: ~10 KB a mirror instead of mqtt.js's hundreds), each with the
 * agent's birth and Will, telemetry every TELEMETRY_S with a random phase, and `config/desired`
 * answered on `config/reported` at once. Driven by its parent over IPC.
 *   in:  {type:'silence', count}   stop the telemetry of `count` mirrors (their sockets stay open)
 *        {type:'configStats', version, since}
 *   out: {type:'connected', n, seconds, failed, retries, connack: {p50Ms, p99Ms, maxMs, overTimeout}, tcp: {p50Ms, p99Ms}, loopLagMaxMs}, {type:'silenced', ids, lastTelemetryAt},
 *        {type:'configStats', received, maxMs, p50Ms, p99Ms}
 */
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

const PORT = Number(process.env.BENCH_MQTT_PORT);
const N = Number(process.env.BENCH_MIRRORS);
const SECRET = process.env.BENCH_SECRET!;
const TELEMETRY_MS = Number(process.env.BENCH_TELEMETRY_S) * 1000;
const CONNECTS_PER_S = Number(process.env.BENCH_CONNECTS_PER_S ?? 500);
const send = (m: unknown) => process.send!(m);

interface Mirror {
  id: string;
  socket: Socket;
  silent: boolean;
  lastTelemetryAt: number;
  nextMessageId: number;
  configAt: Map<number, number>;
}

const mirrors: Mirror[] = [];
let stopping = false;
let connected = 0;
let failed = 0;
/** Connections closed before their CONNACK (the gateway busy checking secrets), retried like a real mirror would. */
let retries = 0;
/** From a mirror's first attempt to its CONNACK, ms (retries included). */
const connackMs: number[] = [];
/** From an attempt to its TCP connection established, as this process's event loop saw it, ms. */
const tcpMs: number[] = [];
/** The longest this process's event loop was late (it sends and reads for every mirror), ms. */
let loopLagMaxMs = 0;
{
  let last = performance.now();
  setInterval(() => {
    const t = performance.now();
    loopLagMaxMs = Math.max(loopLagMaxMs, t - last - 100);
    last = t;
  }, 100).unref();
}
/** The agent's link gives up an attempt after this long without CONNACK (device/src/link CONNECT_TIMEOUT_MS). */
const AGENT_CONNECT_TIMEOUT_MS = Number(process.env.BENCH_CONNECT_TIMEOUT_MS ?? 15_000);

function start(id: string, m: Mirror = { id, socket: undefined as unknown as Socket, silent: false, lastTelemetryAt: 0, nextMessageId: 1, configAt: new Map() }, firstAt = Date.now()): Mirror {
  const socket = connect(PORT, '127.0.0.1');
  const attemptAt = Date.now();
  socket.once('connect', () => tcpMs.push(Date.now() - attemptAt));
  socket.setNoDelay(true);
  m.socket = socket;
  let acked = false;
  socket.on('close', () => {
    if (acked || stopping) return;
    retries++;
    setTimeout(() => start(id, m, firstAt), 1000 + Math.random() * 4000);
  });
  const write = (p: mqttPacket.Packet) => socket.write(mqttPacket.generate(p));
  const mid = () => (m.nextMessageId = (m.nextMessageId % 65535) + 1);
  const topic = (suffix: string) => `mirrors/${id}/${suffix}`;
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  socket.on('data', (d) => parser.parse(d));
  socket.on('error', () => undefined);
  const telemetry = () => {
    if (m.silent || socket.destroyed) return;
    m.lastTelemetryAt = Date.now();
    write({ cmd: 'publish', topic: topic('telemetry'), payload: JSON.stringify({ fps: 15, inferenceMs: 40, model: 'movenet-lightning', appVersion: '0.1.0', outboxDepth: 0, at: new Date().toISOString() }), qos: 0, retain: false, dup: false });
  };
  parser.on('packet', (p) => {
    if (p.cmd === 'connack') {
      acked = true;
      connackMs.push(Date.now() - firstAt);
      if (p.returnCode !== 0) {
        failed++;
        return;
      }
      connected++;
      m.lastTelemetryAt = Date.now(); // the birth below is heard too: silence is measured from it at the latest
      write({ cmd: 'publish', topic: topic('status'), payload: 'online', qos: 1, retain: true, dup: false, messageId: mid() });
      write({ cmd: 'subscribe', messageId: mid(), subscriptions: [{ topic: topic('config/desired'), qos: 1 }, { topic: topic('cmd'), qos: 1 }] });
      setTimeout(() => {
        telemetry();
        setInterval(telemetry, TELEMETRY_MS).unref();
      }, Math.random() * TELEMETRY_MS).unref();
    } else if (p.cmd === 'publish') {
      if (p.qos === 1) write({ cmd: 'puback', messageId: p.messageId! });
      if (p.topic.endsWith('/config/desired')) {
        const desired = JSON.parse(p.payload.toString()) as { version: number; config: Record<string, unknown> };
        if (!m.configAt.has(desired.version)) m.configAt.set(desired.version, Date.now());
        write({ cmd: 'publish', topic: topic('config/reported'), payload: JSON.stringify(desired), qos: 1, retain: true, dup: false, messageId: mid() });
      }
    }
  });
  write({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: id,
    keepalive: Math.ceil((TELEMETRY_MS / 1000) * 2.5),
    username: id,
    password: Buffer.from(SECRET),
    will: { topic: topic('status'), payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  return m;
}

process.on('message', (msg: { type: string; count?: number; version?: number; since?: number }) => {
  if (msg.type === 'silence') {
    const chosen = mirrors.filter((m) => !m.silent).slice(0, msg.count);
    for (const m of chosen) m.silent = true;
    send({ type: 'silenced', ids: chosen.map((m) => m.id), lastTelemetryAt: chosen.map((m) => m.lastTelemetryAt) });
  } else if (msg.type === 'configStats') {
    const lat = mirrors.map((m) => m.configAt.get(msg.version!)).filter((t): t is number => t !== undefined).map((t) => t - msg.since!).sort((a, b) => a - b);
    const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
    send({ type: 'configStats', received: lat.length, maxMs: lat.at(-1) ?? NaN, p50Ms: pct(50), p99Ms: pct(99) });
  } else if (msg.type === 'stop') {
    stopping = true;
    for (const m of mirrors) m.socket.destroy();
    process.exit(0);
  }
});

const t0 = Date.now();
for (let i = 0; i < N; i++) {
  mirrors.push(start(`fleet-bench-${i}`));
  if (i % 50 === 49) await new Promise((r) => setTimeout(r, (50 * 1000) / CONNECTS_PER_S));
}
while (connected + failed < N && Date.now() - t0 < 600_000) await new Promise((r) => setTimeout(r, 100));
connackMs.sort((a, b) => a - b);
tcpMs.sort((a, b) => a - b);
const pctOf = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const pct = (p: number) => pctOf(connackMs, p);
send({
  type: 'connected',
  n: connected,
  failed,
  retries,
  seconds: (Date.now() - t0) / 1000,
  connack: { p50Ms: pct(50), p99Ms: pct(99), maxMs: connackMs.at(-1) ?? NaN, overTimeout: connackMs.filter((ms) => ms > AGENT_CONNECT_TIMEOUT_MS).length },
  tcp: { p50Ms: pctOf(tcpMs, 50), p99Ms: pctOf(tcpMs, 99) },
  loopLagMaxMs: Math.round(loopLagMaxMs),
});
