import type { Logger } from '../../lib/logger.ts';
import type { ProducerCompression } from './compression.ts';
import type { KafkaSecurity } from './security.ts';
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
  /** A given partition (a record going back where it came from); default: by key (Java's murmur2), else spread. */
  partition?: number;
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

/**
 * A producer whose sends are Kafka transactions (KIP-98): every record of one `sendTransaction` becomes visible to
 * `read_committed` consumers together, or none does. Its transactional id fences an older producer with the same id
 * (a zombie after a takeover): that one's next send fails with a non-retriable error.
 */
export interface TransactionalProducer {
  /**
   * Connects and takes the transactional id over (InitProducerId, as the Java producer's initTransactions()): an older
   * producer with the id is fenced, and a transaction it left open (its process killed) is aborted at once instead of
   * holding back `read_committed` readers until the broker times it out.
   */
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendTransaction(records: OutgoingRecord[]): Promise<void>;
}

/** What a handler can do while it holds a record for long (a sink retrying a target that is down). */
export interface RecordContext {
  /**
   * Tells the group that this member is alive (a heartbeat), so that a long wait does not cost it its partitions.
   * Resolves false once the group rebalances: the record may go to another member, so the handler should give it
   * up (reject); the transport then leaves it uncommitted and rejoins.
   */
  keepAlive(): Promise<boolean>;
}

export interface ConsumeOptions {
  topics: string[];
  fromBeginning?: boolean;
  /**
   * Called for each record in partition order. The record's offset is committed only after this resolves
   * (with the next commit, see `commitIntervalMs`): acknowledge-after-handled is part of the contract. A rejection stops consumption of that partition
   * at that record (nothing after it is committed) and the record is delivered again.
   */
  eachRecord(record: IncomingRecord, context: RecordContext): Promise<void>;
  /** False: read without committing anything (a view of a compacted topic read from the start each time). */
  commit?: boolean;
  /**
   * Handled offsets are committed together, at most once in this many ms (default 500), and when the consumer
   * stops; a crash hands what was handled since the last commit to the group again (handlers are idempotent).
   */
  commitIntervalMs?: number;
  /**
   * More than 1: the records of one fetch (per partition) are handled up to this many at once, except that records
   * with the same key are handled one after the other, in partition order (a record without a key has no order to
   * keep); the partitions of this member are handled at once too. The fetch's offsets are committed once all its
   * records are handled. If `eachRecord` rejects, the offsets up to that record are committed and it is delivered
   * again, with the records after it (handled already, so handlers must be idempotent, as for any redelivery).
   * Default 1: one record at a time.
   */
  concurrency?: number;
}

export interface TransportConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  run(options: ConsumeOptions): Promise<void>;
  /** Resolves when the consumer has joined its group and been given partitions. */
  ready(): Promise<void>;
  /** Called after every rebalance with the partitions this member now holds, by topic. */
  onAssignment(listener: (assigned: Record<string, number[]>) => void): void;
  /**
   * Called when the consumer stopped for good while running (kafkajs's crash it does not restart from by itself: an
   * error it calls final in its run loop, a batch it cannot decode, its group coordinator not found). It reads
   * nothing more: its owner has to say so and start a new one. Not called after `disconnect`, nor for a crash the
   * client restarts from by itself (a retriable one, once its retries are spent).
   */
  onCrash(listener: (error: Error) => void): void;
}

/** Offsets `[fromOffset, toOffset)` of one partition. */
export interface PartitionRange {
  partition: number;
  fromOffset: string;
  toOffset: string;
}

export interface ReadRangesOptions {
  topic: string;
  /** What to read; each range is read in offset order. Offsets past the partition's end are never reached. */
  ranges: PartitionRange[];
  /**
   * Called for each record in a range (read_committed: aborted records and markers are skipped); false stops.
   * A rejection ends the read: `readRanges` rejects with it, and the record is not delivered again.
   */
  eachRecord(record: IncomingRecord): Promise<boolean | undefined>;
  /** Fails with a RetriableError when no record or progress came for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Ends the read early, as `eachRecord` returning false does (a Ctrl-C): its group is still deleted. */
  signal?: AbortSignal;
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
  /**
   * Describes several consumer groups in one request: each one's state, its number of members and the topics its
   * consumer members subscribe to (none read for another protocol); a group Kafka does not know is `Dead`.
   */
  describeGroups(
    groupIds: string[],
  ): Promise<Array<{ groupId: string; state: string; members: number; topics: string[] }>>;
  listTopics(): Promise<string[]>;
  /** Creates the topics that do not exist; returns the ones it created. */
  createTopics(topics: TopicSpec[]): Promise<string[]>;
  describeTopicConfig(topic: string): Promise<Record<string, string>>;
  /** Sets some of a topic's configs; the others keep their values. */
  alterTopicConfig(topic: string, changes: Record<string, string>): Promise<void>;
  topicOffsets(topic: string): Promise<TopicOffsets[]>;
  /**
   * Per partition, the offset of the first record stamped at or after `time` (ms since the epoch), else the end:
   * Kafka's ListOffsets by timestamp, as kcat -o s@<ms> asks it.
   */
  offsetsAt(topic: string, time: number): Promise<Array<{ partition: number; offset: string }>>;
  groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>>;
  /** Sets a group's committed offsets (the group must have no active member). */
  setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: Array<{ partition: number; offset: string }>,
  ): Promise<void>;
  /** The ids of the cluster's consumer groups. */
  listGroups(): Promise<string[]>;
  /** Removes a group and its committed offsets (no active member). */
  deleteGroup(groupId: string): Promise<void>;
  deleteTopics(topics: string[]): Promise<void>;
}

export interface TransportOptions {
  brokers: string[];
  clientId: string;
  /** No client logging at all (probes). */
  quiet?: boolean;
  /**
   * Where the client's own lines go (each with `logger: "kafkajs"`, without JavaScript stacks), at that logger's
   * level: a CLI command's bus logs errors only, so kafkajs's retried attempts do not come before its one-line
   * answer. Default: a logger of its own.
   */
  logger?: Logger;
  /**
   * How every producer of this transport compresses its record batches (Kafka's `compression.type`); default none.
   * `createBus` gives `EAI_KAFKA_COMPRESSION`'s.
   */
  compression?: ProducerCompression;
  /**
   * TLS and SASL to the brokers (`EAI_KAFKA_SECURITY_PROTOCOL` …); default: the environment's, read when the transport
   * is made, so every client of the process (bus, probes, readiness, the CLI) connects the same way.
   */
  security?: KafkaSecurity;
  /**
   * Put before every topic, group and transactional id on the wire, and taken off what comes back (prefix.ts);
   * default: `EAI_KAFKA_PREFIX`'s, read when the transport is made, so every client of the process shares it.
   */
  prefix?: string;
}

export interface Transport {
  /** `lingerMs`: how long a send to an idle producer waits for others to join its request (default 5 ms). */
  producer(options?: { lingerMs?: number }): TransportProducer;
  transactionalProducer(transactionalId: string): TransactionalProducer;
  consumer(options: {
    groupId: string;
    sessionTimeoutMs?: number;
    heartbeatIntervalMs?: number;
    /**
     * A group of this consumer alone, for a look at a topic (a view, `eai bus tail`): deleted when the consumer
     * disconnects, so none is left behind on the cluster (kafkajs cannot read without a group).
     */
    ephemeral?: boolean;
  }): TransportConsumer;
  admin(): TransportAdmin;
  /**
   * Reads offset ranges of a topic and resolves when every range is read (or `eachRecord` said stop): a look at
   * the log, as kcat -o does, that commits nothing and belongs to no group a runner uses (its own throwaway group
   * is deleted when the read ends).
   */
  readRanges(options: ReadRangesOptions): Promise<void>;
}
