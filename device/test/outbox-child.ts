/**
 * Child process of the SIGKILL test: an outbox + drainer + MQTT link, as the agent wires them.
 * Parent → child (IPC): `{ put: session }`. Child → parent: `{ putOk: id }` once the put is durable,
 * `{ depth }` after every change, `{ at: point }` when it reaches KILL_AT and freezes there so the
 * parent can SIGKILL it at exactly that point of a publish.
 */
import pino from 'pino';
import type { SessionPayload } from '@pose-coach/protocol';
import { createLink } from '../src/link/index.ts';
import { createDrainer, openSqliteOutbox } from '../src/outbox/index.ts';

const { OUTBOX_DB, LINK_URL, LINK_DEVICE_ID, KILL_AT, AUTO_PUT_MS } = process.env;
const log = pino({ level: 'silent' });

/** Tell the parent where we are, then stop dead: the event loop never runs again. */
function freezeAt(point: string): void {
  if (KILL_AT !== point) return;
  process.send!({ at: point }, () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
}

const store = openSqliteOutbox(OUTBOX_DB!);
const link = createLink({
  url: LINK_URL!,
  deviceId: LINK_DEVICE_ID!,
  log,
  backoff: { minMs: 100, maxMs: 500 },
  handlers: {
    onState: (s) => drainer.setOnline(s === 'online'),
    onAck: (ack) => {
      freezeAt('ack-received');
      drainer.onAck(ack);
    },
  },
});
const drainer = createDrainer({
  store,
  windowSize: 8,
  ackTimeoutMs: 2000,
  unpairedRetryMs: 60_000,
  log,
  send: async (payload) => {
    freezeAt('before-publish');
    await link.publishSession(payload);
    freezeAt('after-puback');
  },
  onChange: (depth) => process.send!({ depth }),
  onAckApplied: () => freezeAt('ack-applied'),
});

function put(session: SessionPayload): void {
  store.put(session);
  process.send!({ putOk: session.sessionId });
  freezeAt('after-put');
  drainer.kick();
}

process.on('message', (m: { put?: SessionPayload }) => m.put && put(m.put));
if (AUTO_PUT_MS) {
  let n = 0;
  setInterval(() => {
    put({
      sessionId: crypto.randomUUID(),
      exercise: 'squat',
      reps: ++n,
      accuracy: 0.8,
      timestamp: new Date().toISOString(),
      duration: 30,
      feedbackPoints: [],
    });
  }, Number(AUTO_PUT_MS));
}
process.send!({ ready: true, depth: store.depth() });
