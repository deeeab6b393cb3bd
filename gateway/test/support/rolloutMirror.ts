/**
 * A simulated mirror as rollout tests drive it: connected to a test gateway, it records the
 * `update` commands it gets and acks each at once, or holds them while `hold` is set.
 */
import type { MqttClient } from 'mqtt';
import { commandSchema, topicFor, type Command } from '@pose-coach/protocol';
import type { TestGateway } from './testGateway.ts';

export interface RolloutMirror {
  deviceId: string;
  secret: string;
  client?: MqttClient;
  updates: Command[];
  hold: boolean;
  held: Command[];
}

export async function connectRolloutMirror(tg: TestGateway, s: RolloutMirror): Promise<void> {
  const c = await tg.connect(s.deviceId, s.secret);
  await c.subscribeAsync(topicFor('cmd', s.deviceId), { qos: 1 });
  c.on('message', (topic, payload) => {
    if (topic !== topicFor('cmd', s.deviceId)) return;
    const cmd = commandSchema.parse(JSON.parse(payload.toString()));
    if (cmd.name === 'update') s.updates.push(cmd);
    if (s.hold) s.held.push(cmd);
    else c.publish(topicFor('cmdAck', s.deviceId), JSON.stringify({ id: cmd.id, ok: true }), { qos: 1 });
  });
  s.client = c;
}
