/**
 * What the agent's steps share while it runs: the config in force (replaced by `config/desired`),
 * the link's and the frame source's condition, and the health rules read from them. Steps write
 * the fields they own (noted on each) and read the rest; nothing else is shared between them.
 */
import type { LastUpdate, LiveEventInput, PairingMessage } from '@pose-coach/protocol';
import type { LinkState } from '../../link/index.ts';
import type { PairingView } from '../../pairing/index.ts';
import type { AgentConfig } from '../config.ts';
import { FrameStats } from '../telemetry.ts';

/** No frame for this long: the pipeline is stuck (health 503, watchdog withheld). */
export const STALL_MS = 10_000;
/** Frames a release must see (through inference, where the source runs one) to count as healthy. */
export const HEALTHY_FRAMES = 10;

export class AgentState {
  readonly startedAt = Date.now();
  /** Frames seen (pipeline step). */
  readonly stats = new FrameStats();
  /** Set once the agent stops: no new session may start, waits give up. */
  stopping = false;

  // The frame source (pipeline step).
  /** A finite video played to its end. */
  sourceEnded = false;
  /** The camera failed and is being retried. */
  sourceError: string | undefined;

  // The gateway (link step).
  linkState: LinkState | 'disabled';
  linkError: string | undefined;
  pairing: PairingMessage | undefined;
  pairingView: PairingView = { kind: 'unknown' };
  /** When the gateway last took a session off the outbox. */
  lastSyncedAt: string | undefined;
  /** Version of the last config/desired applied (0: none yet), echoed on config/reported (live config step). */
  configVersion = 0;
  /** The last fleet update's outcome (commands and probation steps). */
  lastUpdate: LastUpdate | undefined;

  constructor(
    /** The config in force (live config step replaces it). */
    public config: AgentConfig,
    lastUpdate: LastUpdate | undefined,
  ) {
    this.linkState = config.mqtt.url ? 'connecting' : 'disabled';
    this.lastUpdate = lastUpdate;
  }

  framesFlowing(): boolean {
    return Date.now() - (this.stats.lastFrameAt || this.startedAt) < STALL_MS;
  }

  /** Health (503 when false): frames are arriving, or a finite video has ended. */
  healthy(): boolean {
    return this.sourceEnded || this.framesFlowing();
  }

  /**
   * Watchdog: the pipeline is not hung. A camera being retried is known trouble, not a hang;
   * restarting the agent would not bring the camera back.
   */
  alive(): boolean {
    return this.healthy() || this.sourceError !== undefined;
  }

  /** Fleet health, what a new release must reach: connected, and frames (through inference) flowing. */
  fleetHealthy(): boolean {
    return this.linkState === 'online' && this.framesFlowing() && this.stats.frames >= HEALTHY_FRAMES && this.sourceError === undefined;
  }

  uptimeS(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }

  /** The `link` live event: connection, pairing, and the code or unpair question on the glass. */
  linkEvent(): LiveEventInput {
    const { pairing, pairingView } = this;
    return {
      type: 'link',
      state: this.linkState,
      ...(pairing ? { paired: pairing.paired, ...(pairing.displayName ? { displayName: pairing.displayName } : {}) } : {}),
      ...(this.linkError ? { lastError: this.linkError } : {}),
      ...(pairingView.kind === 'showing-code' ? { pairingCode: pairingView.code, pairingUrl: pairingView.url } : {}),
      ...(pairingView.kind === 'confirm-unpair' ? { unpairConfirmUntil: new Date(pairingView.until).toISOString() } : {}),
    };
  }
}
