/**
 * Step: the way to the gateway. The drainer that empties the outbox, the QR pairing flow
 * (device/src/pairing) shown while unpaired, and the MQTT link they run over. Messages the link
 * receives for later steps (config/desired, cmd) go to the handlers given here.
 */
import type { Logger } from 'pino';
import type { Command, ConfigMessage } from '@pose-coach/protocol';
import { createLink, type Link } from '../../link/index.ts';
import { createDrainer, type Drainer } from '../../outbox/index.ts';
import { createPairingClient, createPairingFlow, type PairingFlow } from '../../pairing/index.ts';
import { reportedConfig } from '../liveConfig.ts';
import type { LiveServer } from '../liveServer.ts';
import type { Identity } from './identity.ts';
import type { OutboxPart } from './outbox.ts';
import type { AgentState } from './state.ts';

export interface LinkInputs {
  state: AgentState;
  identity: Identity;
  outbox: OutboxPart;
  live: Pick<LiveServer, 'broadcast'>;
  log: Logger;
  /** The link came online (after config/reported went out). */
  onOnline(): void;
  onConfigDesired(desired: ConfigMessage): void;
  onCommand(cmd: Command): void;
}

export interface LinkPart {
  /** Absent when mqtt.url is empty (no gateway: sessions stay in the outbox). */
  readonly link: Link | undefined;
  readonly drainer: Drainer;
  /** Absent without credentials. */
  readonly pairingFlow: PairingFlow | undefined;
  /** Sends `config/reported`; a failure is logged (the next connect reports again). */
  reportConfig(version: number, error?: string): void;
  stop(): Promise<void>;
}

export function connectLink(i: LinkInputs): LinkPart {
  const { state, identity, outbox, live, log } = i;
  const { mqtt } = state.config;
  const drainer = createDrainer({
    store: outbox.store,
    send: (payload) => (link ? link.publishSession(payload) : Promise.reject(new Error('no link'))),
    windowSize: state.config.outbox.windowSize,
    ackTimeoutMs: state.config.outbox.ackTimeoutS * 1000,
    unpairedRetryMs: state.config.outbox.unpairedRetryS * 1000,
    log,
    onChange: () => live.broadcast(outbox.event(state.lastSyncedAt)),
    onAckApplied: (_ack, outcome) => {
      if (outcome === 'released') state.lastSyncedAt = new Date().toISOString();
    },
  });
  const creds = identity.credentials;
  const pairingFlow =
    mqtt.url && creds
      ? createPairingFlow({
          client: createPairingClient({
            baseUrl: creds.gatewayHttpUrl,
            deviceId: identity.deviceId,
            secret: creds.secret,
            ...(identity.ca ? { ca: identity.ca } : {}),
          }),
          log: log.child({ part: 'pairing' }),
          confirmWindowMs: mqtt.unpairConfirmS * 1000,
          onChange: (view) => {
            state.pairingView = view;
            live.broadcast(state.linkEvent());
          },
        })
      : undefined;

  const reportConfig = (version: number, error?: string) =>
    void link
      ?.publishConfigReported({ version, config: reportedConfig(state.config), ...(error !== undefined ? { error } : {}) })
      .catch((err: Error) => log.warn({ version, err: err.message }, 'config/reported not sent'));

  const link: Link | undefined = mqtt.url
    ? createLink({
        url: mqtt.url,
        deviceId: identity.deviceId,
        ...(creds ? { password: creds.secret } : {}),
        ...(identity.ca ? { ca: identity.ca } : {}),
        keepaliveS: mqtt.keepaliveS,
        connectTimeoutMs: mqtt.connectTimeoutMs,
        backoff: { minMs: mqtt.reconnectMinMs, maxMs: mqtt.reconnectMaxMs },
        log: log.child({ part: 'link' }),
        handlers: {
          onState: (linkState, error) => {
            state.linkState = linkState;
            state.linkError = linkState === 'online' ? undefined : (error ?? state.linkError);
            drainer.setOnline(linkState === 'online');
            if (linkState === 'online') {
              reportConfig(state.configVersion);
              i.onOnline();
            }
            live.broadcast(state.linkEvent());
          },
          onAck: (ack) => drainer.onAck(ack),
          onPairing: (p) => {
            state.pairing = p;
            drainer.onPairing(p.paired);
            pairingFlow?.setPaired(p.paired, p.displayName);
            live.broadcast(state.linkEvent());
          },
          onConfigDesired: (desired) => i.onConfigDesired(desired),
          onCommand: (cmd) => i.onCommand(cmd),
        },
      })
    : undefined;

  return {
    link,
    drainer,
    pairingFlow,
    reportConfig,
    async stop() {
      drainer.stop();
      pairingFlow?.stop();
      await link?.close();
    },
  };
}
