import type { ConsumedEvent } from '../bus/index.ts';
import { createMappingStep } from '../connectors/runtime/mapping-step.ts';
import { NonRetriableError } from '../lib/errors.ts';
import { exampleJson } from '../schemas/examples.ts';
import { rawKafka } from './raw-consumer.ts';
import { testBus, unique } from './stack.ts';

import { waitFor } from './wait-for.ts';

export { waitFor };

/**
 * A real topic pair with dead letters in it, made the way the hub makes them: canonical orders published, a
 * consumer runner whose handler refuses some (until `fix()`), a raw record that is not Avro, and a document that
 * does not map, dead-lettered by the real mapping step. The runner keeps running, so redriven letters reach it.
 *
 * Records on `topic`, in order: sap:0, sap:1 (refused), raw text (not Avro), sap:2, sap:3 (refused).
 * Dead letters on `dlqTopic`, in order: 0 sap:1, 1 raw, 2 sap:3, 3 the unmappable x12-856 document.
 */
export const RAW_VALUE = 'ORDER;sap:9;legacy flat file, not Avro';

export interface DeadLetterFixture {
  topic: string;
  dlqTopic: string;
  groupId: string;
  /** The orders handled, with their CloudEvents ids, in order. */
  handled: Array<{ orderId: string; ceId: string; redrivenFrom: string | null }>;
  /** CloudEvents id of each published order, by order id. */
  ceIds: Map<string, string>;
  /** Records the runner has sent to `dlqTopic` so far. */
  deadLettered(): number;
  /** From now on the handler accepts every order. */
  fix(): void;
  close(): Promise<void>;
}

export async function deadLetterFixture(prefix: string): Promise<DeadLetterFixture> {
  const bus = testBus(`/eai/tests/${prefix}`);
  const topic = unique(`${prefix}-orders`);
  const dlqTopic = unique(`${prefix}-dlq`);
  const groupId = unique(`${prefix}-group`);
  await bus.provisionTopics([
    { topic, partitions: 1 },
    { topic: dlqTopic, partitions: 1 },
  ]);
  const publisher = await bus.publisher();
  const raw = rawKafka().producer();
  await raw.connect();
  const ceIds = new Map<string, string>();
  const order = async (n: number) => {
    const value = structuredClone(exampleJson('SalesOrderEvent')) as { salesOrder: { orderId: string } };
    value.salesOrder.orderId = `sap:${n}`;
    const [sent] = await publisher.publish([{ schema: 'SalesOrderEvent', value, topic }]);
    ceIds.set(`sap:${n}`, sent!.id);
  };
  await order(0);
  await order(1);
  await raw.send({
    topic,
    messages: [{ key: 'k-raw', value: Buffer.from(RAW_VALUE), headers: { origin: 'legacy-app' } }],
  });
  await order(2);
  await order(3);

  let refusing = true;
  const handled: DeadLetterFixture['handled'] = [];
  let deadLettered = 0;
  const runner = await bus.consume({
    groupId,
    topics: [topic],
    dlqTopic,
    fromBeginning: true,
    retry: { retries: 1, initialDelayMs: 10, maxDelayMs: 20 },
    onDeadLetter: () => {
      deadLettered += 1;
    },
    handler: async (event: ConsumedEvent) => {
      const id = (event.value as { salesOrder: { orderId: string } }).salesOrder.orderId;
      if (refusing && (id === 'sap:1' || id === 'sap:3')) {
        // sap:3's as a target answers it, quoting the record it refused (personal data a viewer does not read).
        throw new NonRetriableError(
          id === 'sap:3'
            ? `credit block: customer of ${id} unknown: {"NAME1":"Jane Roe","SMTP_ADDR":"jane.roe@example.com"}`
            : `credit block: customer of ${id} unknown`,
        );
      }
      handled.push({
        orderId: id,
        ceId: event.attributes.id ?? '',
        redrivenFrom: event.record.headers['eai.redriven-from']?.toString('utf8') ?? null,
      });
    },
  });
  await waitFor('three dead letters from the runner', () => deadLettered === 3);

  // The mapping step dead-letters a document that does not parse, as a connector's would.
  const producer = bus.transport.producer();
  await producer.connect();
  const step = createMappingStep({
    publisher: bus.preparer(),
    producer,
    owner: `${prefix}-connector`,
    dlqTopic,
  });
  const mapped = await step.handle({ format: 'x12-856', bytes: Buffer.from('not an X12 interchange') });
  if (mapped.deadLettered.length !== 1) throw new Error('the mapping step did not dead-letter the document');

  return {
    topic,
    dlqTopic,
    groupId,
    handled,
    ceIds,
    deadLettered: () => deadLettered,
    fix: () => {
      refusing = false;
    },
    async close() {
      await runner.stop();
      await Promise.all([producer.disconnect(), raw.disconnect(), publisher.close()]);
    },
  };
}
