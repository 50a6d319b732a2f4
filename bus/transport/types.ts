/**
 * The bus's own small Kafka interface. Everything above it (publisher, consumer runner, DLQ, connectors,
 * workflows) speaks only this, so kafkajs (in maintenance mode) can be replaced by another client, e.g. a
 * librdkafka-based one, by writing one more implementation of `Transport`.
 */
export type Headers = Record<string, Buffer>;

/** Headers to send: text values (UTF-8 on the wire) are written without an intermediate Buffer. */
export type OutgoingHeaders = Record<string, Buffer | string>;

export interface OutgoingRecord {
  topic: string;
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: OutgoingHeaders;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  /** Kafka offsets exceed 2^53 in principle: kept as strings. */
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  config?: Record<string, string>;
}

export interface TransportProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Resolves once every record is acknowledged by the cluster (acks=all, idempotent). */
  send(records: OutgoingRecord[]): Promise<void>;
}

export interface ConsumeOptions {
  topics: string[];
  fromBeginning?: boolean;
  /**
   * Called for each record in partition order. The record's offset is committed only after this resolves:
   * acknowledge-after-handled is part of the contract. A rejection stops consumption of that partition
   * at that record (nothing after it is committed) and the record is delivered again.
   */
  eachRecord(record: IncomingRecord): Promise<void>;
}

export interface TransportConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  run(options: ConsumeOptions): Promise<void>;
  /** Resolves when the consumer has joined its group and been given partitions. */
  ready(): Promise<void>;
}

export interface TopicOffsets {
  partition: number;
  low: string;
  high: string;
}

export interface TransportAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  describeCluster(): Promise<{ brokers: number; controller: number | null; clusterId: string }>;
  /** Describes a consumer group; fails while the cluster's group coordinator is not yet available. */
  describeGroup(groupId: string): Promise<{ groupId: string; state: string }>;
  listTopics(): Promise<string[]>;
  /** Creates the topics that do not exist; returns the ones it created. */
  createTopics(topics: TopicSpec[]): Promise<string[]>;
  describeTopicConfig(topic: string): Promise<Record<string, string>>;
  topicOffsets(topic: string): Promise<TopicOffsets[]>;
  groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>>;
  deleteTopics(topics: string[]): Promise<void>;
}

export interface TransportOptions {
  brokers: string[];
  clientId: string;
  /** No client logging at all (probes). */
  quiet?: boolean;
}

export interface Transport {
  producer(): TransportProducer;
  consumer(options: { groupId: string; sessionTimeoutMs?: number }): TransportConsumer;
  admin(): TransportAdmin;
}
