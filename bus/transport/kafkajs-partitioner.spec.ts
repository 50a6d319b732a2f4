import { randomBytes, randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createJavaPartitioner, murmur2 } from './kafkajs-partitioner.ts';

const kafkajsMurmur2 = createRequire(import.meta.url)(
  'kafkajs/src/producer/partitioners/default/murmur2.js',
) as (key: Buffer | string) => number;

/** Partition metadata as kafkajs passes it; only the id and the leader matter to a partitioner. */
const partition = (partitionId: number, leader: number) => ({
  partitionId,
  leader,
  partitionErrorCode: 0,
  replicas: [leader],
  isr: [leader],
});

describe('kafkajs partitioner', () => {
  const keys: Array<Buffer | string> = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    'sap:0000004711',
    'Müller 😀',
    'x'.repeat(2000),
  ];
  for (let i = 0; i < 2000; i++) {
    keys.push(
      i % 2 ? randomBytes(randomInt(0, 40)) : `edi:${randomBytes(randomInt(0, 30)).toString('base64')}`,
    );
  }

  it("computes Java's murmur2 as kafkajs does, for strings and bytes of every length", () => {
    for (const key of keys) expect(murmur2(key), JSON.stringify(key)).toBe(kafkajsMurmur2(key));
    // Java's Utils.murmur2("21") is -973932308 (a value kafkajs's own tests pin as well).
    expect(murmur2('21')).toBe(-973932308);
  });

  it("puts every key on the partition kafkajs's DefaultPartitioner picks", () => {
    const ours = createJavaPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 6, 7, 50]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) =>
        partition(partitionId, 0),
      );
      for (const key of keys) {
        const args = { topic: 't', partitionMetadata, message: { key, value: null } };
        expect(ours(args), `${partitions}: ${JSON.stringify(key)}`).toBe(theirs(args));
      }
      const explicit = { topic: 't', partitionMetadata, message: { key: 'k', value: null, partition: 0 } };
      expect(ours(explicit)).toBe(0);
    }
  });

  it('spreads keyless records over the partitions that have a leader', () => {
    const partitioner = createJavaPartitioner();
    const partitionMetadata = [0, 1, 2, 3].map((id) => partition(id, id === 2 ? -1 : 1));
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++)
      seen.add(partitioner({ topic: 't', partitionMetadata, message: { key: null, value: null } }));
    expect([...seen].sort()).toEqual([0, 1, 3]);
  });
});
