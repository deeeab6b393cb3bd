/**
 * aedes' in-memory persistence finds the retained messages for a SUBSCRIBE by testing every
 * retained topic against each filter: O(retained messages) per subscribe. Each mirror keeps a few
 * retained topics (status, config, pairing), so a fleet reconnecting costs O(mirrors²): a quarter
 * of the gateway's CPU in a 2,000-mirror connect storm (bench:fleet, --cpu-prof). A mirror
 * subscribes to exact topics, which are looked up in an index kept beside it; a filter with a
 * wildcard still goes the long way. (The Redis persistence of a cluster looks exact topics up
 * itself.)
 */
import { Readable } from 'node:stream';
import type { Aedes } from 'aedes';

type RetainedPacket = { topic: string; payload: Buffer | string };
interface RetainedStore {
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

const hasWildcard = (filter: string) => filter.includes('+') || filter.includes('#');

/** Call once, right after the broker is created (nothing retained yet). */
export function indexRetained(aedes: Aedes): void {
  const persistence = (aedes as unknown as { persistence: RetainedStore }).persistence;
  const byTopic = new Map<string, RetainedPacket>();
  const store = persistence.storeRetained.bind(persistence);
  const scan = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.storeRetained = async (packet) => {
    await store(packet);
    // As the persistence itself: an empty payload clears the topic; a copy is kept.
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, { ...packet });
  };
  persistence.createRetainedStreamCombi = (patterns) => {
    if (patterns.some(hasWildcard)) return scan(patterns);
    return Readable.from(patterns.flatMap((p) => byTopic.get(p) ?? []));
  };
}
