import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../lib/metrics.ts';
import { canonicalSchemas } from '../schemas/catalog.ts';
import { exampleJson } from '../schemas/examples.ts';
import { logicalTypes } from '../schemas/logical-types.ts';
import { readRawMessages } from '../tests/raw-consumer.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';

/**
 * Every canonical schema goes through the real broker and registry, and is read back without the bus:
 * a plain kafkajs consumer, the wire header parsed by hand, the schema fetched by id over REST and a fresh avsc Type.
 */
describe('canonical events round-trip through Kafka', () => {
  const bus = testBus('/eai/tests/roundtrip');
  const stack = testStack();
  const topics = Object.fromEntries(canonicalSchemas.map((s) => [s.name, unique(`rt-${s.name}`)]));
  let publisher: Awaited<ReturnType<typeof bus.publisher>>;

  beforeAll(async () => {
    await bus.provisionTopics(Object.values(topics).map((topic) => ({ topic, partitions: 3 })));
    publisher = await bus.publisher();
  });
  afterAll(async () => {
    await publisher?.close();
  });

  for (const schema of canonicalSchemas) {
    it(`${schema.name} is published by the bus and decoded independently to an equal value`, async () => {
      const value = exampleJson(schema.name);
      const topic = topics[schema.name]!;
      const published = () => metricsRegistry.getSingleMetricAsString('eai_bus_events_published_total');
      expect(await published()).not.toContain(`topic="${topic}"`);
      const [sent] = await publisher.publish([
        {
          schema: schema.name,
          value,
          topic,
          attributes: { correlationId: 'corr-1', causationId: 'cause-1' },
        },
      ]);
      expect(sent!.key).toBe(schema.key(value));
      expect(await published()).toContain(`eai_bus_events_published_total{topic="${topic}"} 1`);

      const [message] = await readRawMessages(topic, 1);

      expect(message!.key).toBe(schema.key(value));
      const bytes = message!.value;
      expect(bytes[0]).toBe(0);
      const schemaId = bytes.readUInt32BE(1);
      const response = await fetch(`${stack.registryUrl}/schemas/ids/${schemaId}`);
      expect(response.status).toBe(200);
      const { schema: schemaText } = (await response.json()) as { schema: string };
      const fresh = avro.Type.forSchema(JSON.parse(schemaText), { logicalTypes, wrapUnions: 'auto' });
      const decoded = fresh.fromBuffer(bytes.subarray(5));
      expect(JSON.parse(JSON.stringify(decoded))).toEqual(value);

      const headers = message!.headers;
      expect(headers).toMatchObject({
        ce_specversion: '1.0',
        ce_id: sent!.id,
        ce_source: '/eai/tests/roundtrip',
        ce_type: schema.fullName,
        ce_subject: schema.key(value),
        ce_correlationid: 'corr-1',
        ce_causationid: 'cause-1',
        'content-type': 'application/avro',
      });
      expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(Number.isNaN(Date.parse(headers.ce_time!))).toBe(false);
    });
  }

  it('keeps money exact: the decimal bytes are the unscaled value, read without any logical type', async () => {
    const schema = canonicalSchemas.find((s) => s.name === 'SalesOrderEvent')!;
    const value = exampleJson(schema.name);
    const bytes = await bus.serde.encode(topics[schema.name]!, schema, value);
    const response = await fetch(`${stack.registryUrl}/schemas/ids/${bytes.readUInt32BE(1)}`);
    const plain = avro.Type.forSchema(JSON.parse(((await response.json()) as { schema: string }).schema));
    const raw = plain.fromBuffer(bytes.subarray(5)) as {
      salesOrder: { lines: Array<{ unitPrice: { amount: Buffer } }> };
    };
    // 0.004125 at scale 6 is the integer 4125 = 0x101D.
    expect(raw.salesOrder.lines[1]!.unitPrice.amount.toString('hex')).toBe('101d');
  });
});
