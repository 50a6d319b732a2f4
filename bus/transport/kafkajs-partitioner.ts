import { randomInt } from 'node:crypto';
import type { ICustomPartitioner } from 'kafkajs';

/**
 * kafkajs's DefaultPartitioner (Java's: murmur2 of the key, positive, modulo the partition count; keyless records
 * round-robin over partitions with a leader), in 32-bit integer arithmetic. kafkajs computes murmur2 on 64-bit
 * Long objects and filters the partition list for every record, which cost the publish path about 2 µs per
 * record. Same partition for every key and partition count (kafkajs-partitioner.spec.ts), through kafkajs's
 * public `createPartitioner` option.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

const scratch = Buffer.allocUnsafe(1024);

/** Java's `Utils.murmur2` over the key's bytes (strings as UTF-8). */
export function murmur2(key: Buffer | string): number {
  let data: Buffer;
  let length: number;
  if (typeof key === 'string') {
    length = Buffer.byteLength(key, 'utf8');
    data = length <= scratch.length ? scratch : Buffer.allocUnsafe(length);
    data.write(key, 0, length, 'utf8');
  } else {
    data = key;
    length = key.length;
  }
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const at = i * 4;
    let k = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: murmur2 mixes the tail bytes by falling through
    case 3:
      h ^= data[tail + 2]! << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: as above
    case 2:
      h ^= data[tail + 1]! << 8;
    case 1:
      h ^= data[tail]!;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export const createJavaPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  const next = (topic: string) => {
    const count = (counters.get(topic) ?? randomInt(2 ** 31)) + 1;
    counters.set(topic, count);
    return count & 0x7fffffff;
  };
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    // Read once: a framed record (kafkajs-record-encoder.ts) reads its key from its frame each time it is asked.
    const key = message.key;
    if (key !== null && key !== undefined) return (murmur2(key) & 0x7fffffff) % partitionMetadata.length;
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[next(topic) % available.length]!.partitionId;
    return next(topic) % partitionMetadata.length;
  };
};
