import type { ValueEncoder } from '../schemas/avro-writer.ts';
import { type CanonicalSchema, findSchema } from '../schemas/catalog.ts';
import { buildAttributes, type EventAttributes, toHeaders } from './envelope.ts';
import { busMetrics } from './metrics.ts';
import type { AvroSerde } from './serde.ts';
import { checkTopicSchema } from './topics.ts';
import type { OutgoingRecord, TransportProducer } from './transport/types.ts';

/** One canonical event to publish. Only `schema` and `value` are required. */
export interface PublishInput {
  /** Schema short or full name, e.g. `SalesOrderEvent`. */
  schema: string;
  /** Not read when the event has its `key` and `encoded`. */
  value: unknown;
  /** Topic; default: the schema's canonical topic. */
  topic?: string;
  /** Message key; default: the entity's business key read from the value. */
  key?: string;
  /** CloudEvents attributes; `source` defaults to the publisher's, `type` to the schema's full name. */
  attributes?: Partial<EventAttributes>;
  /** The value already written by this publisher's `encoder` for the same schema and topic: sent as it is. */
  encoded?: Buffer;
}

export type PreparedRecord = OutgoingRecord & { key: string; id: string };

export interface Publisher {
  /** Encodes and sends the events as one batch; resolves when the cluster acknowledged all (acks=all). */
  publish(events: PublishInput[]): Promise<Array<{ topic: string; key: string; id: string }>>;
  /** Encodes the events into records without sending them, for a caller that sends them in a Kafka transaction. */
  prepare(events: PublishInput[]): Promise<PreparedRecord[]>;
  /** prepare's records at once when every event's schema and topic were met before (no registry to ask), else its promise. */
  prepareEagerly(events: PublishInput[]): PreparedRecord[] | Promise<PreparedRecord[]>;
  /**
   * The synchronous encoder of values of `schema` on `topic` (default: the schema's canonical topic), the registry
   * asked once: for a caller that validates by encoding and hands the bytes to `prepare` as `encoded`.
   */
  encoder(schema: string, topic?: string): Promise<ValueEncoder>;
}

/** Counted after the cluster acknowledged them, one increment per topic in the batch. */
export function countPublished(records: Array<{ topic: string }>): void {
  const perTopic = new Map<string, number>();
  for (const r of records) perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
  for (const [topic, n] of perTopic) busMetrics.eventsPublished.inc({ topic }, n);
}

export function createPublisher(
  producer: TransportProducer,
  serde: AvroSerde,
  defaultSource: string,
): Publisher {
  interface Target {
    schema: CanonicalSchema;
    topic: string;
    encode: ValueEncoder;
  }

  /**
   * Targets by topic (`''`: the schema's own) and schema as the events name them; the serde asks the registry once per
   * subject. Two lookups of strings the caller already has, rather than a key made per event.
   */
  const encoders = new Map<string, Map<string, Target>>();
  const knownTarget = (schemaName: string, topicName: string | undefined) =>
    encoders.get(topicName ?? '')?.get(schemaName);

  async function target(schemaName: string, topicName: string | undefined): Promise<Target> {
    let found = knownTarget(schemaName, topicName);
    if (!found) {
      const schema = findSchema(schemaName);
      const topic = topicName ?? schema.topic;
      checkTopicSchema(topic, schema);
      found = { schema, topic, encode: await serde.encoder(topic, schema) };
      let bySchema = encoders.get(topicName ?? '');
      if (!bySchema) {
        bySchema = new Map();
        encoders.set(topicName ?? '', bySchema);
      }
      bySchema.set(schemaName, found);
    }
    return found;
  }

  /** Where each event goes and its encoder; the promise of them only when some target is new. */
  function resolveTargets(events: PublishInput[]): Target[] | Promise<Target[]> {
    const targets: Target[] = [];
    for (const event of events) {
      const known = knownTarget(event.schema, event.topic);
      if (!known) return resolveNewTargets(events);
      targets.push(known);
    }
    return targets;
  }

  async function resolveNewTargets(events: PublishInput[]): Promise<Target[]> {
    const targets: Target[] = [];
    for (const event of events) targets.push(await target(event.schema, event.topic));
    return targets;
  }

  function toRecord(input: PublishInput, { schema, topic, encode }: Target): PreparedRecord {
    const key = input.key ?? schema.key(input.value as Record<string, unknown>);
    const attributes = buildAttributes({
      ...input.attributes,
      source: input.attributes?.source ?? defaultSource,
      type: input.attributes?.type ?? schema.fullName,
      subject: input.attributes?.subject ?? key,
    });
    const value = input.encoded ?? encode(input.value);
    return { topic, key, value, headers: toHeaders(attributes), id: attributes.id };
  }

  function prepareEagerly(events: PublishInput[]): PreparedRecord[] | Promise<PreparedRecord[]> {
    // Records are encoded synchronously once the targets are known: no promise per record.
    const targets = resolveTargets(events);
    const records = (known: Target[]) => events.map((event, i) => toRecord(event, known[i]!));
    return Array.isArray(targets) ? records(targets) : targets.then(records);
  }

  async function prepare(events: PublishInput[]): Promise<PreparedRecord[]> {
    return prepareEagerly(events);
  }

  return {
    prepare,
    prepareEagerly,
    async encoder(schema, topic) {
      return (await target(schema, topic)).encode;
    },
    async publish(events) {
      const records = await prepare(events);
      await producer.send(records);
      countPublished(records);
      return records.map((r) => ({ topic: r.topic, key: r.key, id: r.id }));
    },
  };
}
