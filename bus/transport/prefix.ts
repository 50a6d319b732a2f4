import { z } from 'zod';
import { FieldError } from '../../lib/errors.ts';
import { FramedRecord } from './kafkajs-record-encoder.ts';
import type {
  IncomingRecord,
  OutgoingRecord,
  Transport,
  TransportAdmin,
  TransportConsumer,
} from './types.ts';

/**
 * A deployment's namespace on a shared Kafka cluster (staging and production, two teams, two demos): every topic,
 * consumer group and transactional id the hub uses, and every registry subject of its topics, starts with it, so
 * two deployments with different prefixes never read, commit or fence each other's, and the cluster's operators
 * grant one prefixed ACL per deployment (Kafka's `--resource-pattern-type prefixed`). Above the transport every name
 * stays as written (`canonical.customer`): only the transport adds the prefix on the way out and takes it off on
 * the way in. Debezium's `topic.prefix` and Kafka Streams' `application.id` do the same for their own names.
 */
export const kafkaPrefixEnvSchema = z.object({
  EAI_KAFKA_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/)
    .optional()
    .describe(
      "A prefix of every topic, consumer group and transactional id the hub and the CLI use, and of the registry subjects of those topics (e.g. `staging.`): deployments with different prefixes share one Kafka cluster and registry without seeing each other's records. Letters, digits, `.`, `_` and `-`, at most 100; default none. Every process of a deployment (hub, orchestrator, CLI) needs the same value.",
    ),
});

/** The prefix from `EAI_KAFKA_PREFIX` (unset: none); a bad value is a FieldError (a ConfigError) naming it. */
export function kafkaPrefixFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.EAI_KAFKA_PREFIX?.trim() || undefined;
  const parsed = kafkaPrefixEnvSchema.safeParse({ EAI_KAFKA_PREFIX: given });
  if (!parsed.success)
    throw new FieldError(
      'EAI_KAFKA_PREFIX',
      `${JSON.stringify(given)} cannot start Kafka names: use letters, digits, ".", "_" and "-" (at most 100), e.g. "staging."`,
    );
  return parsed.data.EAI_KAFKA_PREFIX ?? '';
}

/** The transport with `prefix` before every name it sends to Kafka and taken off every name Kafka gives back. */
export function withKafkaPrefix(inner: Transport, prefix: string): Transport {
  if (!prefix) return inner;
  const out = (name: string) => prefix + name;
  const mine = (name: string) => name.startsWith(prefix);
  const back = (name: string) => (mine(name) ? name.slice(prefix.length) : name);
  const incoming = (record: IncomingRecord): IncomingRecord => ({ ...record, topic: back(record.topic) });
  // A framed record (connectors/runtime/mapping-messages.ts) holds its key, value and headers in one buffer, read by
  // getters: made again around the same bytes, not copied field by field.
  const outgoing = (records: OutgoingRecord[]): OutgoingRecord[] =>
    records.map((r) =>
      r instanceof FramedRecord
        ? (new FramedRecord(out(r.topic), r.frame, r.partition) as OutgoingRecord)
        : { ...r, topic: out(r.topic) },
    );
  return {
    producer(options) {
      const producer = inner.producer(options);
      return {
        ...bound(producer),
        send: (records) => producer.send(outgoing(records)),
      };
    },
    transactionalProducer(transactionalId) {
      const producer = inner.transactionalProducer(out(transactionalId));
      return {
        ...bound(producer),
        sendTransaction: (records) => producer.sendTransaction(outgoing(records)),
      };
    },
    consumer(options) {
      const consumer = inner.consumer({ ...options, groupId: out(options.groupId) });
      const prefixed: TransportConsumer = {
        ...bound(consumer),
        run: (run) =>
          consumer.run({
            ...run,
            topics: run.topics.map(out),
            eachRecord: (record, context) => run.eachRecord(incoming(record), context),
          }),
        onAssignment: (listener) =>
          consumer.onAssignment((assigned) =>
            listener(
              Object.fromEntries(Object.entries(assigned).map(([topic, parts]) => [back(topic), parts])),
            ),
          ),
      };
      return prefixed;
    },
    admin() {
      const admin = inner.admin();
      const prefixed: TransportAdmin = {
        ...bound(admin),
        describeGroup: async (groupId) => ({ ...(await admin.describeGroup(out(groupId))), groupId }),
        describeGroups: async (groupIds) =>
          (await admin.describeGroups(groupIds.map(out))).map((group) => ({
            ...group,
            groupId: back(group.groupId),
            topics: group.topics.map(back),
          })),
        listTopics: async () => (await admin.listTopics()).filter(mine).map(back),
        createTopics: async (topics) =>
          (await admin.createTopics(topics.map((t) => ({ ...t, topic: out(t.topic) })))).map(back),
        describeTopicConfig: (topic) => admin.describeTopicConfig(out(topic)),
        alterTopicConfig: (topic, changes) => admin.alterTopicConfig(out(topic), changes),
        topicOffsets: (topic) => admin.topicOffsets(out(topic)),
        offsetsAt: (topic, time) => admin.offsetsAt(out(topic), time),
        groupOffsets: (groupId, topic) => admin.groupOffsets(out(groupId), out(topic)),
        setGroupOffsets: (groupId, topic, offsets) =>
          admin.setGroupOffsets(out(groupId), out(topic), offsets),
        listGroups: async () => (await admin.listGroups()).filter(mine).map(back),
        deleteGroup: (groupId) => admin.deleteGroup(out(groupId)),
        deleteTopics: (topics) => admin.deleteTopics(topics.map(out)),
      };
      return prefixed;
    },
    readRanges: (options) =>
      inner.readRanges({
        ...options,
        topic: out(options.topic),
        eachRecord: (record) => options.eachRecord(incoming(record)),
      }),
  };
}

/**
 * The object's methods bound to it: the wrappers above keep the ones they do not rename (connect, disconnect,
 * ready, onCrash, describeCluster) as the implementation's own, which are class methods reading `this`.
 */
function bound<T extends object>(target: T): T {
  const methods: Record<string, unknown> = {};
  let proto: object | null = target;
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = (target as Record<string, unknown>)[name];
      if (name !== 'constructor' && typeof value === 'function' && !(name in methods))
        methods[name] = (value as (...args: unknown[]) => unknown).bind(target);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return methods as T;
}
