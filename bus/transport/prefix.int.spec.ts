import { afterAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { rawKafka, readRawMessages } from '../../tests/raw-consumer.ts';
import { runEai } from '../../tests/run-eai.ts';
import { testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { createBus } from '../index.ts';
import { FramedRecord, recordFrame } from './kafkajs-record-encoder.ts';
import type { IncomingRecord } from './types.ts';

/**
 * Two deployments on one cluster and registry, told apart by `EAI_KAFKA_PREFIX` only: each writes, reads, commits
 * and lists under its own prefix, sees its names without it, and registers its subjects with it; the bytes on the
 * wire are read with a plain kafkajs client under the prefixed names.
 */
const stack = testStack();
const deployment = (prefix: string) =>
  createBus({ brokers: stack.brokers, registryUrl: stack.registryUrl, clientId: unique('prefix'), prefix });
const a = `${unique('dep-a')}.`;
const b = `${unique('dep-b')}.`;
const busA = deployment(a);
const busB = deployment(b);
const adminA = busA.transport.admin();
const raw = rawKafka().admin();
await Promise.all([adminA.connect(), raw.connect()]);
afterAll(async () => {
  await Promise.all([adminA.disconnect(), raw.disconnect()]);
});

describe('a deployment prefix on the cluster (EAI_KAFKA_PREFIX)', () => {
  it('keeps two deployments apart: topics, records, groups, offsets and subjects under each prefix', async () => {
    const topic = unique('customers');
    await busA.provisionTopics([{ topic, partitions: 2 }]);
    await busB.provisionTopics([{ topic, partitions: 2 }]);
    const onCluster = await raw.listTopics();
    expect(onCluster).toEqual(expect.arrayContaining([`${a}${topic}`, `${b}${topic}`]));
    expect(onCluster).not.toContain(topic);
    // A deployment lists its own topics by the names it uses, and none of the other's.
    const listed = await adminA.listTopics();
    expect(listed).toContain(topic);
    expect(listed.some((t) => t.startsWith(b))).toBe(false);

    const customer = exampleJson('CustomerEvent') as { customer: { customerId: string } };
    const publish = async (bus: typeof busA, id: string) => {
      const publisher = await bus.publisher();
      try {
        await publisher.publish([
          {
            schema: 'CustomerEvent',
            topic,
            value: { ...customer, customer: { ...customer.customer, customerId: id } },
          },
        ]);
      } finally {
        await publisher.close();
      }
    };
    await publish(busA, 'only-in-a');
    await publish(busB, 'only-in-b');

    // On the wire: each record under its deployment's topic, its schema under the prefixed subject.
    const [wireA] = await readRawMessages(`${a}${topic}`, 1);
    expect(wireA!.value.toString('latin1')).toContain('only-in-a');
    const subjects = (await (await fetch(`${stack.registryUrl}/subjects`)).json()) as string[];
    expect(subjects).toEqual(expect.arrayContaining([`${a}${topic}-value`, `${b}${topic}-value`]));
    expect(subjects).not.toContain(`${topic}-value`);

    // A's consumer reads A's record only, under the name A uses, and commits under A's group.
    const groupId = unique('prefix-group');
    const seen: IncomingRecord[] = [];
    const consumer = busA.transport.consumer({ groupId });
    await consumer.connect();
    try {
      await consumer.run({
        topics: [topic],
        fromBeginning: true,
        eachRecord: async (r) => void seen.push(r),
      });
      await waitFor("A's record", () => seen.length >= 1);
      await waitFor('its offset committed', async () =>
        (await adminA.groupOffsets(groupId, topic)).some((o) => o.offset === '1'),
      );
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]!.topic).toBe(topic);
    expect(seen[0]!.value!.toString('latin1')).toContain('only-in-a');
    expect((await raw.listGroups()).groups.map((g) => g.groupId)).toContain(`${a}${groupId}`);
    expect(await adminA.listGroups()).toContain(groupId);
    const [described] = await adminA.describeGroups([groupId]);
    expect(described!.groupId).toBe(groupId);

    // A look at the log (readRanges) and a transaction go through the prefix too.
    const ends = await adminA.topicOffsets(topic);
    const looked: string[] = [];
    await busA.transport.readRanges({
      topic,
      ranges: ends.map((p) => ({ partition: p.partition, fromOffset: p.low, toOffset: p.high })),
      eachRecord: async (r) => {
        looked.push(`${r.topic}:${r.value!.toString('latin1').includes('only-in-a')}`);
        return true;
      },
    });
    expect(looked).toEqual([`${topic}:true`]);
    const producer = busA.transport.transactionalProducer(unique('prefix-tx'));
    await producer.connect();
    try {
      // A framed record too (a mapping thread's: key, value and headers in one buffer), made again under the prefix.
      const frame = Buffer.from(recordFrame({ key: 'f', value: Buffer.from('framed'), headers: { h: 'v' } }));
      await producer.sendTransaction([
        { topic, key: 'k', value: Buffer.from('in a transaction') },
        new FramedRecord(topic, frame, 0),
      ]);
    } finally {
      await producer.disconnect();
    }
    // The transaction's records and its commit markers (the end offsets move once the coordinator wrote them).
    const records = async (t: string) =>
      (await raw.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high), 0);
    await waitFor("the transaction in A's topic", async () => (await records(`${a}${topic}`)) >= 4);
    const framed = (await readRawMessages(`${a}${topic}`, 3)).find((m) => m.key === 'f');
    expect(framed).toMatchObject({ value: Buffer.from('framed'), headers: { h: 'v' } });
    expect(await records(`${b}${topic}`)).toBe(1);
  });

  it('the CLI works under the prefix, and refuses one Kafka cannot take in one line naming the variable', async () => {
    const topic = unique('cli-topics');
    await busA.provisionTopics([{ topic, partitions: 1 }]);
    const listed = await runEai(['bus', 'topics', topic, '--json'], { env: { EAI_KAFKA_PREFIX: a } });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`"${topic}"`);
    expect(listed.stdout).not.toContain(`${a}${topic}`);

    const refused = await runEai(['bus', 'topics'], { env: { EAI_KAFKA_PREFIX: 'two words' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/EAI_KAFKA_PREFIX.*letters, digits/);
  });
});
