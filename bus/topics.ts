import { ConfigError } from '../lib/errors.ts';
import { type CanonicalSchema, canonicalSchemas } from '../schemas/catalog.ts';
import { receiptTopicSpec } from './receipts.ts';
import type { TopicSpec, TransportAdmin } from './transport/types.ts';

/**
 * Every topic the hub uses, declared once. Canonical topics are keyed by business key, so partitions spread load
 * while one entity's events stay in order. Dead-letter topics keep failed records two weeks for redrive.
 */
const DAY_MS = 86_400_000;

export const DLQ_TOPICS = {
  mapping: 'dlq.mapping',
  orchestrator: 'dlq.orchestrator',
  sink: 'dlq.sink',
} as const;

/**
 * A dead letter carries the refused record's bytes whole, for redrive: a document up to the one-document limit of
 * 8 MiB (formats/text-input/decode.ts) with its headers, over the broker's default of 1 MiB a record batch, which
 * refused the dead letter of any document over 1 MiB (so the document refused was not dead-lettered either).
 */
export const DLQ_MAX_MESSAGE_BYTES = 9 * 1024 * 1024;

export function deadLetterTopicSpec(topic: string): TopicSpec {
  return {
    topic,
    partitions: 1,
    config: {
      'cleanup.policy': 'delete',
      'retention.ms': String(14 * DAY_MS),
      'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES),
    },
  };
}

/**
 * Which dead letters were redriven, and when: one small record per letter keyed `<dlq topic>/<partition>/<offset>`,
 * compacted, and deleted with the dead letters' own retention.
 */
export const DLQ_REDRIVEN_TOPIC = 'eai.dlq-redriven';
export const redrivenTopicSpec: TopicSpec = {
  topic: DLQ_REDRIVEN_TOPIC,
  partitions: 1,
  config: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(14 * DAY_MS) },
};

/**
 * The connector runtime's state per cluster (the instances of one group), as Kafka Connect keeps it in
 * `config.storage.topic` & co: compacted, the latest value per key, so every instance of the cluster reads the same
 * configs, statuses and source positions, and two clusters on one Kafka never see each other's connectors.
 */
export function connectTopics(group: string) {
  return {
    configs: `${group}.configs`,
    status: `${group}.status`,
    offsets: `${group}.offsets`,
    /** Never written: its partitions are the slots the group's rebalancing spreads over the instances. */
    assignments: `${group}.assignments`,
  };
}

export const DEFAULT_CONNECT_GROUP = 'eai-connect';

/** The compacted state topics of one connect cluster. */
export function connectTopicSpecs(group: string, slots: number): TopicSpec[] {
  const topics = connectTopics(group);
  return [
    ...[topics.configs, topics.status, topics.offsets].map((topic) => ({
      topic,
      partitions: 1,
      config: { 'cleanup.policy': 'compact' },
    })),
    { topic: topics.assignments, partitions: slots, config: { 'retention.ms': String(DAY_MS) } },
  ];
}

/**
 * Golden customer records (masterdata/sync): one CustomerEvent per golden record, keyed by its golden id, compacted
 * so the topic holds the latest state of every golden record; a merged id keeps an event naming its survivor. An
 * erased customer's ids end in a tombstone: `max.compaction.lag.ms` (KIP-354, written for erasure) bounds how long
 * its earlier values stay readable, a day, once its segment has rolled (the next record after that day rolls it).
 */
export const GOLDEN_CUSTOMER_TOPIC = 'mdm.golden-customer';
export const goldenCustomerTopicSpec = (topic = GOLDEN_CUSTOMER_TOPIC): TopicSpec => ({
  topic,
  partitions: 6,
  config: { 'cleanup.policy': 'compact', 'max.compaction.lag.ms': String(DAY_MS) },
});

/**
 * The hub's commands to one system's sink (`mdm.customer-sync.<system>`): keyed by golden id, kept a week. Not
 * compacted: commands are partial (the fields to write), and compaction would drop a lagging sink's earlier ones;
 * so an erased customer's past commands go with the retention (masterdata/README.md, erasure).
 */
export const customerSyncTopicSpec = (topic: string): TopicSpec => ({
  topic,
  partitions: 6,
  config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
});

/** A canonical topic: 6 partitions, 30 days; also a customer topic of its own that a master-data config names. */
export const canonicalTopicSpec = (topic: string): TopicSpec => ({
  topic,
  partitions: 6,
  config: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * DAY_MS) },
});
export const customerTopicSpec = canonicalTopicSpec;

export const topicCatalog: TopicSpec[] = [
  ...canonicalSchemas.map((s) => canonicalTopicSpec(s.topic)),
  ...Object.values(DLQ_TOPICS).map(deadLetterTopicSpec),
  redrivenTopicSpec,
  goldenCustomerTopicSpec(),
  receiptTopicSpec,
];

/** The schema a canonical topic carries (one per topic, TopicNameStrategy); undefined for other topics. */
export function topicSchema(topic: string): CanonicalSchema | undefined {
  return canonicalSchemas.find((s) => s.topic === topic);
}

/**
 * Refuses an event whose schema is not the one its canonical topic carries, before anything is encoded or
 * registered (the registry would otherwise answer with a compatibility error about some field). Topics outside
 * the catalog (tests, experiments) take any schema.
 */
export function checkTopicSchema(topic: string, schema: CanonicalSchema): void {
  const carried = topicSchema(topic);
  if (carried && carried.fullName !== schema.fullName) {
    throw new ConfigError(`topic ${topic} carries ${carried.fullName}, not ${schema.name}`);
  }
}

/**
 * Creates what is missing, and raises a topic's `max.message.bytes` where it is below what its spec asks (a
 * dead-letter topic made before they asked for 9 MiB has the broker's 1 MiB, and refuses the dead letter of any
 * larger document for good); other configs of existing topics are left as operators set them. Safe to run at every
 * start and from several instances.
 */
export async function provisionTopics(admin: TransportAdmin, extra: TopicSpec[] = []): Promise<string[]> {
  const specs = [...topicCatalog, ...extra];
  let created: string[];
  try {
    created = await admin.createTopics(specs);
  } catch (error) {
    // Another instance may have created them between our list and create: check again.
    const existing = new Set(await admin.listTopics());
    if (!specs.every((s) => existing.has(s.topic))) throw error;
    created = [];
  }
  for (const spec of specs) {
    const wanted = spec.config?.['max.message.bytes'];
    if (!wanted || created.includes(spec.topic)) continue;
    const current = (await admin.describeTopicConfig(spec.topic))['max.message.bytes'];
    if (current !== undefined && Number(current) < Number(wanted)) {
      await admin.alterTopicConfig(spec.topic, { 'max.message.bytes': wanted });
    }
  }
  return created;
}
