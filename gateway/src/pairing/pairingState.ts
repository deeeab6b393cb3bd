/**
 * Makes the outside world agree with MySQL after a pairing change: the person's
 * `users/{uid}/devices/{deviceId}` document in Firestore, and the mirror's retained `pairing`
 * message (display name and pairing id only: never a token, never a uid).
 */
import type { openFirestore } from '@pose-coach/cloud-sync';
import { topicFor, type PairingMessage } from '@pose-coach/protocol';
import type { DeviceBinding, DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { Logger } from '../log.ts';
import type { PairingChange } from './pairingService.ts';

type Firestore = ReturnType<typeof openFirestore>;

export type RetainedPublish = (topic: string, payload: unknown, opts: { qos: 0 | 1; retain: boolean }) => Promise<void>;

export function pairingMessageFor(binding: DeviceBinding | undefined): PairingMessage {
  const at = new Date().toISOString();
  return binding
    ? { paired: true, ...(binding.displayName ? { displayName: binding.displayName.slice(0, 100) } : {}), pairingId: binding.pairingId, at }
    : { paired: false, at };
}

export function createPairingState(deps: { registry: DeviceRegistry; firestore: Firestore; publish: RetainedPublish; log: Logger }) {
  const deviceDoc = (uid: string, deviceId: string) => deps.firestore.doc(`users/${uid}/devices/${deviceId}`);

  async function publishState(deviceId: string): Promise<DeviceBinding | undefined> {
    const binding = await deps.registry.bindingOf(deviceId);
    await deps.publish(topicFor('pairing', deviceId), pairingMessageFor(binding), { qos: 1, retain: true });
    return binding;
  }

  return {
    /** Re-sent whenever a mirror connects: the broker keeps retained messages in memory only. */
    publishState,

    async reflect(change: PairingChange): Promise<void> {
      deps.registry.forget(change.deviceId);
      const binding = await publishState(change.deviceId);
      if (change.endedUid && change.endedUid !== binding?.uid) await deviceDoc(change.endedUid, change.deviceId).delete();
      if (binding) {
        const info = await deps.registry.info(change.deviceId);
        await deviceDoc(binding.uid, change.deviceId).set({
          deviceId: change.deviceId,
          name: info?.name ?? null,
          room: info?.room ?? null,
          pairingId: binding.pairingId,
          displayName: binding.displayName ?? null,
          pairedAt: new Date().toISOString(),
        });
      }
      deps.log.debug({ deviceId: change.deviceId, paired: Boolean(binding) }, 'pairing reflected');
    },
  };
}

export type PairingState = ReturnType<typeof createPairingState>;
