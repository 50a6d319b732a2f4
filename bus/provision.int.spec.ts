import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack, unique } from '../tests/stack.ts';
import { DLQ_MAX_MESSAGE_BYTES, DLQ_TOPICS, provisionTopics } from './topics.ts';
import { createTransport, type TransportAdmin } from './transport/index.ts';

describe('provisioning topics that exist already', () => {
  let admin: TransportAdmin;
  const topic = unique('provision-existing');
  beforeAll(async () => {
    admin = createTransport({
      brokers: testStack().brokers.split(','),
      clientId: 'provision-spec',
      quiet: true,
    }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
  });

  it("raises a max.message.bytes below the spec's (a dead-letter topic made with the broker's 1 MiB), keeping the topic's other configs", async () => {
    // As an older version made it, then tuned by an operator.
    await admin.createTopics([
      { topic, partitions: 1, config: { 'max.message.bytes': '1048588', 'retention.ms': '1234567' } },
    ]);
    const spec = { topic, partitions: 1, config: { 'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES) } };
    expect(await provisionTopics(admin, [spec])).toEqual([]);
    const after = await admin.describeTopicConfig(topic);
    expect(after['max.message.bytes']).toBe(String(DLQ_MAX_MESSAGE_BYTES));
    expect(after['retention.ms']).toBe('1234567');
    // Never lowered: a topic an operator set higher keeps its value.
    await admin.alterTopicConfig(topic, { 'max.message.bytes': String(2 * DLQ_MAX_MESSAGE_BYTES) });
    await provisionTopics(admin, [spec]);
    expect((await admin.describeTopicConfig(topic))['max.message.bytes']).toBe(
      String(2 * DLQ_MAX_MESSAGE_BYTES),
    );
    expect((await admin.describeTopicConfig(topic))['retention.ms']).toBe('1234567');
  });

  it('the dead-letter topics of the catalog hold documents up to 8 MiB', async () => {
    await provisionTopics(admin);
    for (const dlq of Object.values(DLQ_TOPICS)) {
      const config = await admin.describeTopicConfig(dlq);
      expect(Number(config['max.message.bytes']), dlq).toBeGreaterThanOrEqual(DLQ_MAX_MESSAGE_BYTES);
    }
  });
});
