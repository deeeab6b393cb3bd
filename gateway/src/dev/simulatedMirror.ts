/**
 * A stand-in mirror for development: connects as a real device over MQTT and publishes a
 * plausible finished workout every few seconds, logging the gateway's acks.
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { topicFor, type SessionAck, type SessionPayload } from '@pose-coach/protocol';
import type { Logger } from '../log.ts';

const EXERCISES = ['squat', 'pushup', 'lunge', 'jumping_jack', 'bicep_curl', 'shoulder_press'] as const;
const CUES = ['Go a little deeper', 'Keep your knees over your toes', 'Keep your back straight', 'Control the way down'];

export function randomWorkout(now = new Date()): SessionPayload {
  const exercise = EXERCISES[Math.floor(Math.random() * EXERCISES.length)]!;
  const reps = 5 + Math.floor(Math.random() * 16);
  const duration = reps * (2 + Math.round(Math.random() * 2));
  return {
    sessionId: randomUUID(),
    exercise,
    reps,
    accuracy: Math.round((0.6 + Math.random() * 0.38) * 100) / 100,
    timestamp: new Date(now.getTime() - duration * 1000).toISOString(),
    duration,
    feedbackPoints: [CUES[Math.floor(Math.random() * CUES.length)]!, 'Great depth'],
    model: 'simulated',
  };
}

export interface SimulatedMirrorOptions {
  url: string;
  deviceId: string;
  secret: string;
  ca?: string;
  intervalMs: number;
  log: Logger;
}

export async function startSimulatedMirror(opts: SimulatedMirrorOptions) {
  const log = opts.log.child({ part: 'simulated-mirror', deviceId: opts.deviceId });
  const client = mqtt.connect(opts.url, {
    clientId: opts.deviceId,
    username: opts.deviceId,
    password: opts.secret,
    ca: opts.ca,
    clean: false,
    will: { topic: topicFor('status', opts.deviceId), payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topicFor('sessionsAck', opts.deviceId), { qos: 1 });
  await client.publishAsync(topicFor('status', opts.deviceId), 'online', { qos: 1, retain: true });
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString()) as SessionAck;
    log.info(ack, `session ${ack.status}`);
  });
  const timer = setInterval(() => {
    const session = randomWorkout();
    log.info({ sessionId: session.sessionId, exercise: session.exercise, reps: session.reps }, 'publishing a finished workout');
    client.publish(topicFor('sessions', opts.deviceId), JSON.stringify(session), { qos: 1 });
  }, opts.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await client.publishAsync(topicFor('status', opts.deviceId), 'offline', { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync();
    },
  };
}
