import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError } from '../../lib/errors.ts';
import { metricsRegistry } from '../../lib/metrics.ts';
import { readToEnd } from '../../tests/read-to-end.ts';
import { testBus, unique } from '../../tests/stack.ts';
import type { OutgoingRecord, TransportProducer } from './types.ts';

const record = (topic: string, id: string, bytes = 100): OutgoingRecord => ({
  topic,
  key: id,
  value: Buffer.alloc(bytes, 7),
  headers: { ce_id: id },
});

async function metric(name: string, suffix = ''): Promise<number> {
  const found = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (found?.values ?? []) as Array<{ metricName?: string; value: number }>;
  return values
    .filter((v) => (suffix ? v.metricName === `${name}${suffix}` : true))
    .reduce((n, v) => n + v.value, 0);
}

const bus = testBus();
const topic = unique('producer-coalesce');
// The broker refuses records over 1,000 bytes on this topic for good (MESSAGE_TOO_LARGE).
const small = unique('producer-small-records');
let producer: TransportProducer;

beforeAll(async () => {
  await bus.provisionTopics([
    { topic, partitions: 2 },
    { topic: small, partitions: 1, config: { 'max.message.bytes': '1000' } },
  ]);
  producer = bus.transport.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
});

describe("the bus's producer", () => {
  it('sends the records of sends made while a request is in flight together, in the next request', async () => {
    const requests = await metric('eai_bus_produce_request_records', '_count');
    const records = await metric('eai_bus_produce_request_records', '_sum');
    const ids = Array.from({ length: 60 }, (_, n) => `c-${n}`);
    // The first goes at once; the 59 others come while it is in flight.
    await Promise.all(ids.map((id) => producer.send([record(topic, id)])));
    expect(await metric('eai_bus_produce_request_records', '_sum')).toBe(records + 60);
    expect(await metric('eai_bus_produce_request_records', '_count')).toBeLessThanOrEqual(requests + 3);
    const read = await readToEnd(topic, () => true);
    expect(read.map((m) => m.headers.ce_id).sort()).toEqual([...ids].sort());
  });

  it('a send to an idle producer waits lingerMs for others to join its request; a request of bytes goes at once', async () => {
    const requests = () => metric('eai_bus_produce_request_records', '_count');
    const lingering = bus.transport.producer({ lingerMs: 300 });
    const eager = bus.transport.producer({ lingerMs: 0 });
    await Promise.all([lingering.connect(), eager.connect()]);
    try {
      const sendTwo = async (p: TransportProducer, prefix: string) => {
        const before = await requests();
        const first = p.send([record(topic, `${prefix}-1`)]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await Promise.all([first, p.send([record(topic, `${prefix}-2`)])]);
        return (await requests()) - before;
      };
      // 20 ms apart: within the linger, one request; without it, the first went alone.
      expect(await sendTwo(lingering, 'l')).toBe(1);
      expect(await sendTwo(eager, 'e')).toBe(2);
      // A request's worth of bytes joining a lingering send ends the linger: these do not wait for a minute.
      const patient = bus.transport.producer({ lingerMs: 60_000 });
      await patient.connect();
      const started = Date.now();
      await Promise.all([
        patient.send([record(topic, 'small')]),
        patient.send(Array.from({ length: 95 }, (_, n) => record(topic, `big-${n}`, 10_000))),
      ]);
      expect(Date.now() - started).toBeLessThan(30_000);
      await patient.disconnect();
    } finally {
      await Promise.all([lingering.disconnect(), eager.disconnect()]);
    }
  });

  it('a record refused for good fails its own send only; the next sends go on a new producer id', async () => {
    const renewed = await metric('eai_bus_producer_renewed_total');
    // One send in flight, then three in one request: two to a partition of `topic`, one that `small` refuses.
    const first = producer.send([record(topic, 'r-0')]);
    const together = [
      producer.send([record(topic, 'r-1')]),
      producer.send([record(topic, 'r-2')]),
      producer.send([record(small, 'too-large', 5000)]),
    ];
    await first;
    const settled = await Promise.allSettled(together);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(NonRetriableError);
    expect(await metric('eai_bus_producer_renewed_total')).toBeGreaterThan(renewed);
    // kafkajs rolled back the sequence numbers of the partitions the broker had appended r-1 and r-2 to: on the old
    // producer id the next records there would be refused (OUT_OF_ORDER_SEQUENCE_NUMBER).
    await producer.send(['r-3', 'r-4', 'r-5'].map((id) => record(topic, id)));
    await Promise.all(['r-6', 'r-7'].map((id) => producer.send([record(topic, id)])));
    const read = new Set((await readToEnd(topic, () => true)).map((m) => m.headers.ce_id));
    for (const id of ['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5', 'r-6', 'r-7'])
      expect(read.has(id)).toBe(true);
  });
});
