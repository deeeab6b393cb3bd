/**
 * Who may connect, publish and subscribe. Deny by default: a mirror authenticates as its device id
 * with its own secret, and touches only `mirrors/{itsOwnId}/`; it publishes only the kinds a device
 * sends and hears only its own tree.
 */
import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { TOPIC_KINDS, isInsideDeviceTree, isValidDeviceId, parseTopic } from '@pose-coach/protocol';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { ConnectRate } from '../guards/connectRate.ts';

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

// MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2.3].
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** A client id is the device id, optionally `deviceId:suffix`, so no mirror can take over another's session. */
export function clientIdBelongsTo(clientId: string, deviceId: string): boolean {
  return clientId === deviceId || clientId.startsWith(`${deviceId}:`);
}

export function createAccessControl(deps: { registry: DeviceRegistry; log: Logger; metrics: Metrics; connectRate?: ConnectRate }) {
  const deviceOf = (client: Client | null): string | undefined =>
    (client as (Client & { deviceId?: string }) | null)?.deviceId;

  let rateRefusals = 0;
  let rateLoggedAt = 0;

  return {
    /** Before the credential check: an address connecting faster than its budget is cut off. */
    preConnect(client: Client, _packet: unknown, done: (error: Error | null, success: boolean) => void): void {
      const address = (client.conn as { remoteAddress?: string } | undefined)?.remoteAddress;
      if (!deps.connectRate || deps.connectRate.allow(address)) return done(null, true);
      deps.metrics.refusedAccess.inc({ kind: 'connect-rate' });
      rateRefusals++;
      // A flood is logged as a count every few seconds, not one line per attempt.
      if (Date.now() - rateLoggedAt > 5000) {
        deps.log.warn({ address, refused: rateRefusals }, 'MQTT connects refused: too many from this address');
        rateLoggedAt = Date.now();
        rateRefusals = 0;
      }
      done(new Error(`too many connects from ${address ?? 'an unknown address'}`), false);
    },

    authenticate(
      client: Client,
      username: string | undefined,
      password: Buffer | undefined,
      done: (error: AuthenticateError | null, success: boolean | null) => void,
    ): void {
      const refuse = (why: string, code = BAD_USERNAME_OR_PASSWORD) => {
        deps.metrics.refusedAccess.inc({ kind: 'connect' });
        deps.log.warn({ clientId: client.id, username }, `MQTT connect refused: ${why}`);
        done(authError(why, code), false);
      };
      if (!username || !password || !isValidDeviceId(username)) return refuse('missing or malformed credentials');
      if (!clientIdBelongsTo(client.id, username)) {
        return refuse(`client id must be the device id (${username})`, NOT_AUTHORIZED);
      }
      deps.registry.verify(username, password.toString('utf8')).then(
        (ok) => {
          if (!ok) return refuse('wrong device id or secret');
          (client as Client & { deviceId?: string }).deviceId = username;
          // Learn the pairing now, so the mirror's sessions are accepted even if MySQL goes away later.
          deps.registry.bindingOf(username).catch((err: Error) => deps.log.warn({ err: err.message, deviceId: username }, 'pairing not learnt at connect: looked up again with its first session'));
          done(null, true);
        },
        (err: Error) => {
          deps.log.error({ err: err.message }, 'device registry unavailable during connect');
          refuse('device registry unavailable', SERVER_UNAVAILABLE);
        },
      );
    },

    authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
      const deviceId = deviceOf(client);
      const parsed = parseTopic(packet.topic);
      const allowed =
        deviceId !== undefined &&
        parsed !== undefined &&
        parsed.deviceId === deviceId &&
        TOPIC_KINDS[parsed.kind].from === 'device';
      // client null: the broker publishing a Last Will of a client already gone; only `status` wills exist.
      const orphanWill = client === null && parsed?.kind === 'status';
      if (allowed || orphanWill) return callback(null);
      deps.metrics.refusedAccess.inc({ kind: 'publish' });
      deps.log.warn({ deviceId, topic: packet.topic }, 'MQTT publish refused: outside the device topic tree');
      // MQTT 3.1.1 cannot refuse one PUBLISH: aedes closes the connection [MQTT-3.3.5-2].
      callback(new Error(`publish to ${packet.topic} is not allowed for ${deviceId ?? 'this client'}`));
    },

    authorizeSubscribe(
      client: Client,
      sub: Subscription,
      callback: (error: Error | null, subscription?: Subscription | null) => void,
    ): void {
      const deviceId = deviceOf(client);
      if (deviceId && isInsideDeviceTree(sub.topic, deviceId)) return callback(null, sub);
      deps.metrics.refusedAccess.inc({ kind: 'subscribe' });
      deps.log.warn({ deviceId, topic: sub.topic }, 'MQTT subscribe refused: outside the device topic tree');
      callback(null, null); // a failure return code in SUBACK; the client stays connected
    },
  };
}
