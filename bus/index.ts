import { createLogger, type Logger } from '../lib/logger.ts';
import { kafkaSecurityProblem } from './probes.ts';
import { createPublisher, type Publisher } from './publisher.ts';
import { createRegistryClient, type RegistryClient } from './registry.ts';
import { type RegistryAuth, registryAuthFromEnv } from './registry-auth.ts';
import { type ConsumerRunner, type ConsumerRunnerOptions, startConsumerRunner } from './runner.ts';
import { AvroSerde } from './serde.ts';
import { provisionTopics } from './topics.ts';
import {
  createTransport,
  explainKafkaFailure,
  type KafkaSecurity,
  kafkaPrefixFromEnv,
  kafkaSecurityFromEnv,
  kafkaUnreachable,
  type ProducerCompression,
  producerCompressionFromEnv,
} from './transport/index.ts';
import type { TopicSpec, Transport } from './transport/types.ts';

/** The bus's public surface: connect, publish canonical events, consume them, provision topics. */
export interface BusConfig {
  brokers: string;
  registryUrl: string;
  clientId?: string;
  /** CloudEvents `ce_source` for events this process publishes, e.g. `/eai/connectors/sap`. */
  source?: string;
  logger?: Logger;
  /**
   * How every producer of the bus compresses its record batches (Kafka's `compression.type`); default
   * `EAI_KAFKA_COMPRESSION`'s, else none. Read here, where the hub, the orchestrator and the CLI make their bus: a bad
   * value fails at start, naming the variable (a transport made for a probe alone never reads it).
   */
  compression?: ProducerCompression;
  /**
   * TLS and SASL to the brokers; default `EAI_KAFKA_SECURITY_PROTOCOL`'s and its companions' (read here, once: a
   * mismatch fails at start in one line naming the variable).
   */
  security?: KafkaSecurity;
  /** The registry's credentials and CA; default `EAI_REGISTRY_BASIC_AUTH`'s, `EAI_REGISTRY_BEARER_TOKEN`'s … */
  registryAuth?: RegistryAuth;
  /**
   * The deployment's namespace on the cluster (transport/prefix.ts): before every topic, group, transactional id and
   * registry subject of its topics; default `EAI_KAFKA_PREFIX`'s, else none.
   */
  prefix?: string;
}

export interface Bus {
  readonly transport: Transport;
  readonly registry: RegistryClient;
  readonly serde: AvroSerde;
  publisher(): Promise<Publisher & { close(): Promise<void> }>;
  /** Encodes events into records with no connection of its own, for a caller that sends them in a transaction. */
  preparer(source?: string): Pick<Publisher, 'prepare' | 'prepareEagerly' | 'encoder'>;
  consume(options: Omit<ConsumerRunnerOptions, 'logger'>): Promise<ConsumerRunner>;
  provisionTopics(extra?: TopicSpec[]): Promise<string[]>;
}

export function createBus(config: BusConfig): Bus {
  const logger = config.logger ?? createLogger('bus');
  const security = config.security ?? kafkaSecurityFromEnv();
  const prefix = config.prefix ?? kafkaPrefixFromEnv();
  const transport = createTransport({
    prefix,
    brokers: config.brokers.split(','),
    clientId: config.clientId ?? 'eai',
    logger: config.logger,
    compression: config.compression ?? producerCompressionFromEnv(),
    security,
  });
  const registry = createRegistryClient(config.registryUrl, {
    logger,
    auth: config.registryAuth ?? registryAuthFromEnv(),
  });
  const serde = new AvroSerde(registry, prefix);
  return {
    transport,
    registry,
    serde,
    async publisher() {
      const producer = transport.producer();
      await producer.connect();
      const publisher = createPublisher(producer, serde, config.source ?? '/eai');
      return { ...publisher, close: () => producer.disconnect() };
    },
    preparer(source) {
      // prepare() never sends: the producer handed over is never connected.
      const { prepare, prepareEagerly, encoder } = createPublisher(
        transport.producer(),
        serde,
        source ?? config.source ?? '/eai',
      );
      return { prepare, prepareEagerly, encoder };
    },
    consume: (options) => startConsumerRunner(transport, serde, { ...options, logger }),
    async provisionTopics(extra) {
      // The first thing a hub, an orchestrator or a CLI command asks of Kafka: a secured cluster that refuses this
      // client (password, CA, protocol) says so in a second, not after kafkajs's minute of retries.
      if (security.protocol !== 'PLAINTEXT') {
        const problem = await kafkaSecurityProblem(config.brokers, security);
        if (problem) throw problem;
      }
      const admin = transport.admin();
      try {
        await admin.connect();
        return await provisionTopics(admin, extra);
      } catch (error) {
        // No broker answered kafkajs's minute of retries: said naming Kafka and KAFKA_BROKERS, not as kafkajs's bare
        // "Connection error: connect ECONNREFUSED 127.0.0.1:9092", which was all `eai up` printed.
        throw (
          explainKafkaFailure(error, security, config.brokers) ??
          kafkaUnreachable(error, config.brokers) ??
          error
        );
      } finally {
        await admin.disconnect();
      }
    },
  };
}

export { groupBacklog } from './backlog.ts';
export { CompactedLog } from './compacted-log.ts';
export { DeadLetterTally, type LetterTag } from './dead-letter-tally.ts';
export {
  canonicalJson,
  type DeadLetter,
  type DeadLetterEntry,
  type DeadLetterFilter,
  DeadLetterNotFoundError,
  type DeadLetterPage,
  DeadLetterRequestError,
  DeadLetterTopicNotFoundError,
  type DocumentRemap,
  type DocumentRemapper,
  deadLetterDepths,
  type HeaderView,
  type ListOptions,
  listDeadLetters,
  REDRIVEN_FROM_HEADER,
  type RedriveOptions,
  type RedriveProgress,
  type RedriveResult,
  type RedriveSelection,
  type RemapError,
  redriveDeadLetters,
  showDeadLetter,
  type ValueView,
  valueView,
} from './dead-letters.ts';
export {
  CONNECTOR_SYSTEM_HEADER,
  DOCUMENT_SCHEMA_HEADER,
  deadLetterRecord,
  describeDeadLetter,
  type FailureStage,
  RECORD_INDEX_HEADER,
  VALUES_MARKED_HEADER,
} from './dlq.ts';
export {
  buildAttributes,
  childTraceparent,
  type EventAttributes,
  fromHeaders,
  headersToJson,
  toHeaders,
} from './envelope.ts';
export { type GroupStart, type OffsetReset, pinGroupStart } from './group-start.ts';
export {
  type KafkaOutage,
  KafkaWatch,
  type KafkaWatchOptions,
  kafkaWatchCheck,
} from './kafka-watch.ts';
export {
  kafkaReachable,
  kafkaSecurityProblem,
  registryAnswers,
  registryReachable,
  registryRootProblem,
} from './probes.ts';
export { countPublished, type PreparedRecord, type Publisher, type PublishInput } from './publisher.ts';
export {
  RECEIPT_TOPIC,
  type Receipt,
  type ReceiptOutcome,
  receiptRecord,
  receiptTopicSpec,
  wantsReceipt,
} from './receipts.ts';
export { RegistryRefusedError, SchemaIncompatibleError, UnknownSchemaError } from './registry.ts';
export {
  NO_REGISTRY_AUTH,
  RegistryAuth,
  registryAuthEnvSchema,
  registryAuthFromEnv,
} from './registry-auth.ts';
export type { ConsumerRunner } from './runner.ts';
export type { ConsumedEvent } from './runner-decisions.ts';
export { type AvroSerde, SchemaValidationError } from './serde.ts';
export {
  connectTopicSpecs,
  connectTopics,
  customerSyncTopicSpec,
  customerTopicSpec,
  DEFAULT_CONNECT_GROUP,
  DLQ_REDRIVEN_TOPIC,
  DLQ_TOPICS,
  deadLetterTopicSpec,
  GOLDEN_CUSTOMER_TOPIC,
  goldenCustomerTopicSpec,
  topicCatalog,
} from './topics.ts';
export {
  createTransport,
  explainKafkaFailure,
  KafkaSecurity,
  KafkaSecurityError,
  kafkaSecurityEnvSchema,
  kafkaSecurityFromEnv,
  PLAINTEXT_SECURITY,
} from './transport/index.ts';
export type * from './transport/types.ts';
