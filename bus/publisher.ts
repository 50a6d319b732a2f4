import { type CanonicalSchema, findSchema } from '../schemas/catalog.ts';
import { buildAttributes, type EventAttributes, toHeaders } from './envelope.ts';
import type { AvroSerde } from './serde.ts';
import type { OutgoingRecord, TransportProducer } from './transport/types.ts';

/** One canonical event to publish. Only `schema` and `value` are required. */
export interface PublishInput {
  /** Schema short or full name, e.g. `SalesOrderEvent`. */
  schema: string;
  value: unknown;
  /** Topic; default: the schema's canonical topic. */
  topic?: string;
  /** Message key; default: the entity's business key read from the value. */
  key?: string;
  /** CloudEvents attributes; `source` defaults to the publisher's, `type` to the schema's full name. */
  attributes?: Partial<EventAttributes>;
}

export interface Publisher {
  /** Encodes and sends the events as one batch; resolves when the cluster acknowledged all (acks=all). */
  publish(events: PublishInput[]): Promise<Array<{ topic: string; key: string; id: string }>>;
}

export function createPublisher(
  producer: TransportProducer,
  serde: AvroSerde,
  defaultSource: string,
): Publisher {
  type Encode = (value: unknown) => Buffer;
  const encoderKey = (topic: string, schema: CanonicalSchema) => `${topic}\u0000${schema.fullName}`;

  function toRecord(
    input: PublishInput,
    encoders: Map<string, Encode>,
  ): OutgoingRecord & { key: string; id: string } {
    const schema: CanonicalSchema = findSchema(input.schema);
    const topic = input.topic ?? schema.topic;
    const key = input.key ?? schema.key(input.value as Record<string, unknown>);
    const attributes = buildAttributes({
      ...input.attributes,
      source: input.attributes?.source ?? defaultSource,
      type: input.attributes?.type ?? schema.fullName,
      subject: input.attributes?.subject ?? key,
    });
    const value = encoders.get(encoderKey(topic, schema))!(input.value);
    return { topic, key, value, headers: toHeaders(attributes), id: attributes.id };
  }

  return {
    async publish(events) {
      // Schema ids are looked up once per topic and schema in the batch; the records are then encoded without
      // a promise each.
      const encoders = new Map<string, Encode>();
      for (const event of events) {
        const schema = findSchema(event.schema);
        const topic = event.topic ?? schema.topic;
        const cacheKey = encoderKey(topic, schema);
        if (!encoders.has(cacheKey)) encoders.set(cacheKey, await serde.encoder(topic, schema));
      }
      const records = events.map((event) => toRecord(event, encoders));
      await producer.send(records);
      return records.map((r) => ({ topic: r.topic, key: r.key, id: r.id }));
    },
  };
}
