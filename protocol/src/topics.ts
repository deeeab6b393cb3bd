/**
 * MQTT topic names: the one definition device and gateway share (../shared/DESIGN.md, "MQTT topics").
 * Every topic a mirror may touch lives under `mirrors/{deviceId}/`.
 */

export const TOPIC_ROOT = 'mirrors';

/** The topic kinds under `mirrors/{deviceId}/`, with their direction, QoS and retain flag. */
export const TOPIC_KINDS = {
  sessions: { suffix: 'sessions', from: 'device', qos: 1, retain: false },
  sessionsAck: { suffix: 'sessions/ack', from: 'gateway', qos: 1, retain: false },
  status: { suffix: 'status', from: 'device', qos: 1, retain: true },
  telemetry: { suffix: 'telemetry', from: 'device', qos: 0, retain: false },
  pairing: { suffix: 'pairing', from: 'gateway', qos: 1, retain: true },
  configDesired: { suffix: 'config/desired', from: 'gateway', qos: 1, retain: true },
  configReported: { suffix: 'config/reported', from: 'device', qos: 1, retain: true },
  cmd: { suffix: 'cmd', from: 'gateway', qos: 1, retain: false },
  cmdAck: { suffix: 'cmd/ack', from: 'device', qos: 1, retain: false },
} as const;

export type TopicKind = keyof typeof TOPIC_KINDS;

/** A device id is also an MQTT username and a topic level: no wildcards, no separators. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$/;

export function isValidDeviceId(deviceId: string): boolean {
  return DEVICE_ID_PATTERN.test(deviceId);
}

/** `topicFor('sessions', 'mirror-1')` → `mirrors/mirror-1/sessions`. */
export function topicFor(kind: TopicKind, deviceId: string): string {
  if (!isValidDeviceId(deviceId)) throw new Error(`invalid device id ${JSON.stringify(deviceId)}`);
  return `${TOPIC_ROOT}/${deviceId}/${TOPIC_KINDS[kind].suffix}`;
}

/** The subscription filter a gateway uses to hear one kind from every mirror. */
export function fleetFilter(kind: TopicKind): string {
  return `${TOPIC_ROOT}/+/${TOPIC_KINDS[kind].suffix}`;
}

const SUFFIX_TO_KIND = new Map<string, TopicKind>(
  (Object.keys(TOPIC_KINDS) as TopicKind[]).map((k) => [TOPIC_KINDS[k].suffix, k]),
);

/** Splits `mirrors/{deviceId}/{suffix}` into its parts; undefined for any other topic. */
export function parseTopic(topic: string): { deviceId: string; kind: TopicKind } | undefined {
  const parts = topic.split('/');
  if (parts.length < 3 || parts[0] !== TOPIC_ROOT) return undefined;
  const deviceId = parts[1]!;
  if (!isValidDeviceId(deviceId)) return undefined;
  const kind = SUFFIX_TO_KIND.get(parts.slice(2).join('/'));
  return kind ? { deviceId, kind } : undefined;
}

/** True when `topic` (a name or a filter) stays inside `mirrors/{deviceId}/`. */
export function isInsideDeviceTree(topic: string, deviceId: string): boolean {
  const prefix = `${TOPIC_ROOT}/${deviceId}/`;
  if (!topic.startsWith(prefix) || topic.length === prefix.length) return false;
  // '#' or '+' in the rest still stays below the prefix, which is all a device may touch.
  return true;
}
