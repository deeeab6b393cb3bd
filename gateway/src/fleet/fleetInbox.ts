/** What the broker's handlers hand to the fleet: presence, the shadow's reports, command acks. */
import type { Presence } from './presence.ts';
import type { Shadow } from './shadow.ts';
import type { Commands } from './commands.ts';

export interface FleetInbox {
  presence: Pick<Presence, 'status' | 'heard' | 'connected' | 'disconnected'>;
  shadow: Pick<Shadow, 'onReported'>;
  commands: Pick<Commands, 'onAck'>;
}
