/**
 * The connector contract, on one screen, as Kafka Connect's SPI is. A connector type (a plugin) declares its config
 * as a zod schema and creates tasks; the runtime does the rest: mapping, Avro, Kafka transactions, offsets,
 * retries, dead letters, metrics, status. Everything else under connectors/ is internal.
 */
import type { z } from 'zod';
import type { X12OutboundEnvelope } from '../../formats/x12/outbound.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CompiledMapping } from '../../mappings/index.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One document a source read, in the system's own format, with where it stands in the source. */
export interface SourceDocument {
  /** The document's bytes, exactly as the system sent them (kept byte for byte in dead letters). */
  bytes: Buffer;
  /** Format name (formats/); default: the connector's `format`. */
  format?: string;
  /** File name or request id: shown in dead letters and logs. */
  name?: string;
  /**
   * Where in its file the document sits when the source cut it out of a bigger one (`ISA#1/GS#2/ST#50 (byte 30120)`),
   * its reader then seeing it in an envelope of its own: a dead letter names this place rather than the envelope's.
   */
  where?: string;
  /**
   * The document's id when the source knows it better than the format's reader, e.g. one version of a polled record
   * (`sale.order:42@2024-03-12T09:00:05Z#…`): the CloudEvents id of its records. Default: the reader's id.
   */
  id?: string;
  /** The sending partner, where one connector serves several: picks its mapping (`mappings.bySender`). */
  sender?: string;
  /**
   * Opaque resume position, as Kafka Connect's sourcePartition / sourceOffset: the runtime writes the last one per
   * partition in the same Kafka transaction as the document's records, and hands them back to `start` after a
   * restart. Push sources that cannot rewind (webhooks) dedup by delivery id instead: `null`, or, to remember
   * recent ids across a restart, a few partitions of their own holding them (the webhook source does).
   */
  position: { partition: string; offset: Json } | null;
  /**
   * The source's own key for this delivery (a webhook's delivery id, a polled record's version). The runtime does not
   * dedup on it: a source that can be sent the same thing twice drops what it already committed, keeping recent ids
   * in its positions so the memory survives a restart (the webhook and polling transports do).
   */
  deliveryId?: string;
  receivedAt?: Date;
  /**
   * Nothing to publish, only the position to store (as KIP-910's offset-only records): e.g. the end of an initial
   * snapshot whose last page was empty. `bytes` are ignored.
   */
  positionOnly?: boolean;
  /**
   * The source itself refuses the document whole, with why (an empty file, one that is not the envelope its folder
   * expects): the runtime sends `bytes` to the dead-letter topic with this reason, counts it failed, and maps nothing.
   */
  refused?: string;
}

/**
 * How a batch of documents ended: on Kafka with its offsets (`ok`), or failed for good (`error`). `refused`: the
 * documents of the batch that went to the dead-letter topic whole (none of their records published), with why: a
 * drop folder moves a file none of whose messages could be read or mapped to error/ instead of done/.
 */
export type CommitOutcome =
  | { ok: true; published: number; deadLettered: number; refused?: ReadonlyMap<SourceDocument, string> }
  | { ok: false; error: Error };

export interface SourceTask {
  /** Resumes after the last committed position of each partition (empty on a first start or after a reset). */
  start(positions: ReadonlyMap<string, Json>): Promise<void>;
  /** The next documents; waits a little (at most until `context.signal` aborts) and returns [] when there are none. */
  poll(): Promise<SourceDocument[]>;
  /** Called once per polled batch after its records and positions are committed on Kafka: acknowledge upstream now. */
  commit(documents: SourceDocument[], outcome: CommitOutcome): Promise<void>;
  stop(): Promise<void>;
  /** What the task adds to its connector's status (`task`), e.g. an initial snapshot's progress. */
  status?(): { [key: string]: Json };
  /**
   * The position to commit for a document once its fate is known (`refused`: why it went to the dead-letter topic
   * whole; undefined when it was mapped or skipped), for a source whose position must say what became of what it
   * read: a drop folder's EDI acknowledgments, written after the commit, are written again after a crash from the
   * fates its last position holds. Called in poll order for each document of a transaction before it is sent, again
   * when a failed batch is handed out again. Default: the document's own `position`.
   */
  positionOf?(document: SourceDocument, refused: string | undefined): SourceDocument['position'];
  /**
   * The runtime may poll (and map) the next batch while the previous one's transaction is under way, before that
   * one's `commit`; commits still come in poll order. When a batch fails, every batch whose poll started before
   * its `commit(…, ok: false)` returned is committed `ok: false` too, never sent (its positions may build on the
   * failed one's), and no poll starts until they all are: the task hands out again what failed, in order, before
   * anything new. Default: poll, commit, poll again.
   */
  pollsAhead?: boolean;
}

/** A canonical record for a sink, decoded from the bus. */
export interface SinkRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Avro full name of the record, e.g. `eai.canonical.CustomerEvent`. */
  schema: string;
  value: unknown;
  /** The CloudEvents attributes it carried (`id`, `source`, `type`, `correlationId`, …). */
  attributes: Record<string, unknown>;
  /**
   * Stable across redeliveries and redrives: `<connector>:<ce_id>` (`<group>/<connector>:<ce_id>` outside the default
   * connect group). Send it to the target as its idempotency key.
   */
  idempotencyKey: string;
}

/**
 * What `SinkTask.put` resolves to when it applied nothing, and why: the record is not for the sink (an order status
 * its mapping writes nothing for, an event read from its own target, a value the target holds already). The status
 * counts it as skipped, not out, and shows how many were skipped for each reason (`skippedReasons`), so say it in
 * words an operator reads, the same words for every record skipped so (no ids or values in it):
 * `skipped('status not written to Odoo')`.
 */
export interface Skipped {
  readonly skipped: string;
}

export function skipped(reason: string): Skipped {
  return { skipped: reason };
}

/** A skip that gives no reason of its own. */
export const SKIPPED: Skipped = skipped('not for this sink');

/** The skip of a record the connector's mapping (`context.toSystem`) writes no document or body for. */
export const NOTHING_TO_WRITE: Skipped = skipped('the mapping writes nothing for it');

export function isSkipped(outcome: unknown): outcome is Skipped {
  return typeof outcome === 'object' && outcome !== null && typeof (outcome as Skipped).skipped === 'string';
}

export interface SinkTask {
  /**
   * Applies the records in order and resolves once they are applied, or with `skipped(reason)` when it applied nothing. Throw
   * a RetriableError to have the runtime retry (bounded, with backoff), a NonRetriableError to dead-letter the record
   * (it goes to `dlq.sink` with the reason). Records of one key always arrive in order and one at a time.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a put that resolves with nothing (void) applied its record
  put(record: SinkRecord): Promise<void | Skipped>;
  stop(): Promise<void>;
  /**
   * How many puts the task takes at once, of records of different keys (one key's still one at a time, in order), so
   * that it can write them to its system in batches (the HTTP sink's `batch`): each put still resolves only once its
   * own record is applied, and only then is the record acknowledged. A restart delivers again what was not: with
   * several in hand, a record applied after one that was not is delivered again too (Kafka commits a partition's
   * offset, not each record), so writes must be idempotent, as for any redelivery. Default 1.
   */
  readonly concurrency?: number;
}

/** An HTTP request to a connector's own endpoint (`/webhooks/<connector>/…` on the hub's port). */
export interface WebhookRequest {
  method: string;
  /** Path below the connector's endpoint, e.g. `/` or `/capture`. */
  path: string;
  /** The full request URL as the sender used it (for signatures that cover it). */
  url: string;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ConnectorContext {
  /** The connector's name in the deployment. */
  name: string;
  logger: Logger;
  /** Aborted when the task is being stopped: long waits should end early. */
  signal: AbortSignal;
  /** Folder of the deployment file, to resolve relative paths in config. */
  baseDir: string;
  /**
   * Serves `handler` at `/webhooks/<connector>/…` on the hub's port; no admin token, the source checks signatures.
   * `maxBodyBytes`: a request that declares a longer body is answered by the handler before its body is read (it sees
   * an empty body and the declared length), and one that sends a longer body is cut off there.
   */
  serveWebhook(
    handler: (request: WebhookRequest) => Promise<WebhookResponse>,
    options?: { maxBodyBytes?: number },
  ): void;
  /**
   * Sinks: a canonical value written as the system's documents, through the connector's configured mapping.
   * `documentId` is the mapping's `$doc.id` (else derived from the value's content). `controlNumbers`: where a
   * writer whose documents are numbered (X12, `FormatWriter.controlNumbers`) takes its numbers from; such a mapping is
   * refused without it.
   */
  toSystem(
    value: unknown,
    options?: {
      documentId?: string;
      controlNumbers?: (count: number) => Promise<number>;
      /** X12 formats: the partner's envelope (ISA / GS ids) the sink is configured with, where the document has none. */
      envelope?: X12OutboundEnvelope;
    },
  ): Promise<Buffer[]>;
  /** Sinks: the format `toSystem` writes (its mapping's `output`, e.g. `csv`); undefined when no mapping is named. */
  outputFormat?: string;
  /**
   * Sinks: the mapping `toSystem` writes with (the connector's `mapping:`, in its `timeZone`), for a sink that writes
   * with it among others of its own (HubSpot's company mapping first: `writeWithFirst`); undefined when none is named.
   */
  outboundMapping?: CompiledMapping;
  /**
   * Sinks: a mapping the sink runs beside its connector's `mapping:` (HubSpot's `companyMapping`), found as that one
   * is (a file relative to the deployment folder, else a shipped one) and given the same mapping context (the
   * connector's `timeZone`, over the mapping's own `options.timeZone`). Every mapping a sink runs comes from here or is
   * `outboundMapping`, so none runs in another context than the connector's mapping.
   */
  sinkMapping(ref: string): CompiledMapping;
  /**
   * Sinks: call it for each failed attempt a put retries itself, so the status says `retrying` from the first;
   * `record` the record whose attempt failed (a task with several puts in hand, `concurrency`; default: every record
   * in hand).
   */
  attemptFailed?(error: unknown, record?: SinkRecord): void;
}

/** What a plugin fills in when the definition leaves it out. */
export interface PluginDefaults {
  /** Sources: the format read, e.g. `sap-idoc-orders05`. */
  format?: string;
  /**
   * Sources that read several formats (Odoo's polling source: `odoo-sale-order` and `odoo-res-partner`): all of them,
   * `format` first. What a source can write (sync health counts a source that writes CustomerEvents as its system's
   * inbound customer sync) is the canonical schema of each one's mapping: the definition's where it reads the format,
   * else the format's shipped one.
   */
  formats?: string[];
  /** The shipped mapping, e.g. `sap/idoc-orders05.to-canonical.yaml`. */
  mapping?: string;
  /** Sinks: the canonical topics consumed. */
  topics?: string[];
}

/** A connector type: its name, kind, config schema (with `.describe()` on every field) and task factory. */
export interface ConnectorPlugin<Config = unknown> {
  /** e.g. `sap-idoc-file-source`; used as `type:` in deployment files. */
  type: string;
  kind: 'source' | 'sink';
  /** One line for `GET /connector-plugins` and the generated docs. */
  description: string;
  /** The plugin's own options (the runtime's common ones — name, type, mapping, topics — are added to it). */
  config: z.ZodType<Config>;
  /** The definition's `format`, `mapping` and `topics` when it names none. */
  defaults?: PluginDefaults;
  /** A definition must name its `mapping` (a generic sink: the mapping says what it writes); checked at deployment. */
  requiresMapping?: boolean;
  createSource?(config: Config, context: ConnectorContext): SourceTask;
  createSink?(config: Config, context: ConnectorContext): SinkTask;
  /**
   * Sources: what is wrong with a position an operator sets (`PATCH /connectors/{name}/offsets`), said of the
   * offset (`is not a file-drop offset: …`), or undefined if the task can resume from it; asked before anything is
   * stored, as Kafka Connect's `alterOffsets` (KIP-875) asks its connector. Default: any JSON is taken.
   */
  checkOffset?(partition: string, offset: Json): string | undefined;
  /**
   * What is wrong with its options given the definition's mapping (a sink's `outputFormat`: what its from-canonical
   * mapping writes), beyond what its schema alone can say: each problem of an option (`field` under the config, e.g.
   * `envelope`). Asked by `eai connectors validate`, the admin API (400) and at start, so all refuse it alike.
   * Default: none.
   */
  checkConfig?(config: Config, mapped: { outputFormat?: string }): ConfigProblem[];
  /**
   * Sources that serve a webhook (`serveWebhook`) with resources under its endpoint (EPCIS's `/capture`): each, for
   * the hub's OpenAPI document (`/webhooks/{connector}<path>`). The endpoint itself (`POST /webhooks/{connector}`) is
   * every webhook source's and needs no declaring. Default: none.
   */
  webhookRoutes?: WebhookRoute[];
}

/** A resource a webhook source serves under its endpoint, as the OpenAPI document lists it. */
export interface WebhookRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Under the connector's endpoint, OpenAPI style: `/capture`, `/capture/{captureID}`. */
  path: string;
  summary: string;
  description?: string;
  /** Each `{param}` of the path, with what it is. */
  params?: Record<string, string>;
  /** The request body it reads: its media type and what it holds. */
  body?: { contentType: string; description: string };
  /** The statuses it answers, each with what it means and its JSON body's shape where known (else any JSON). */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

/** A problem `checkConfig` finds with one of a plugin's options: its path under the config, and what is wrong. */
export interface ConfigProblem {
  field: string;
  problem: string;
}

/** Declares a plugin with its config type taken from its zod schema (the runtime parses the config before create). */
export function definePlugin<S extends z.ZodType>(plugin: {
  type: string;
  kind: 'source' | 'sink';
  description: string;
  config: S;
  defaults?: PluginDefaults;
  requiresMapping?: boolean;
  createSource?(config: z.output<S>, context: ConnectorContext): SourceTask;
  createSink?(config: z.output<S>, context: ConnectorContext): SinkTask;
  checkOffset?(partition: string, offset: Json): string | undefined;
  checkConfig?(config: z.output<S>, mapped: { outputFormat?: string }): ConfigProblem[];
  webhookRoutes?: WebhookRoute[];
}): ConnectorPlugin {
  return plugin as unknown as ConnectorPlugin;
}
