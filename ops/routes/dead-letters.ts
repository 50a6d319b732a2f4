import { z } from 'zod';
import {
  type AvroSerde,
  DEFAULT_CONNECT_GROUP,
  type DeadLetterFilter,
  DeadLetterNotFoundError,
  DeadLetterRequestError,
  DeadLetterTopicNotFoundError,
  DLQ_TOPICS,
  type DocumentRemapper,
  deadLetterDepths,
  listDeadLetters,
  redriveDeadLetters,
  showDeadLetter,
  type Transport,
} from '../../bus/index.ts';
import { deadLetterOwners } from '../../connectors/index.ts';
import { EaiError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { withDeadline } from '../../lib/retry.ts';
import { type AdminApi, HttpError, messageFor, PERSONAL_DATA_ROLE } from '../api/index.ts';

/**
 * The dead-letter routes of the admin API: topics with their depth, a page of letters (their metadata, never their
 * values or headers), one letter with its headers and decoded value (operator: the original document's personal data),
 * and redrive (operator). Only the hub's dead-letter topics are served, so the API cannot be pointed at other topics.
 */
export interface DeadLetterRouteDeps {
  transport: Transport;
  serde: AvroSerde;
  /** The dead-letter topics served; default the hub's (`dlq.mapping`, `dlq.orchestrator`, `dlq.sink`). */
  topics?: readonly string[];
  /** For an audit line per redrive (who, which topic, how many); never a letter's content. */
  logger?: Logger;
  /**
   * Maps the letters of documents that did not map again through the connector that refused them (the hub's
   * connector runtime, `ConnectorRuntime.remapDocument`); without it such letters are skipped.
   */
  remapDocument?: DocumentRemapper;
  /** The hub's connect group: a connector named in a filter is this group's (`deadLetterOwners`); default `eai-connect`. */
  connectGroup?: string;
  /**
   * How long a listing or a letter waits for Kafka and the registry before the answer is 503 (default 20 s; the
   * depths 5 s). kafkajs's own retries take minutes to give up on a broker that is down, longer than a client waits.
   */
  timeoutMs?: number;
  /** The Kafka bootstrap servers, named in a 503 (the one line a CLI user gets must say which cluster). */
  brokers?: string;
}

const offset = z.string().regex(/^\d+$/, 'must be an offset (digits)');
/** A request's offset: the digits as answers give them, or a JSON integer as a curl user writes it. */
const offsetInput = z
  .union([offset, z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)])
  .transform((value) => String(value));
const dateTime = z.iso.datetime({ offset: true });

const filterSchema = z
  .object({
    owner: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The consumer group or connector that refused the letters: a connector of the hub's connect group, another group's as `<group>/<name>`.",
      ),
    originalTopic: z.string().min(1).optional().describe('The topic the letters came from.'),
    sender: z
      .string()
      .min(1)
      .optional()
      .describe("A mapping letter's sending partner (`eai.document.sender`: ISA06, UNB sender, SNDPRN)."),
    stage: z.string().min(1).optional().describe('TASK_PUT, VALUE_CONVERTER, MAPPING, …'),
    exceptionClass: z.string().min(1).optional().describe('e.g. NonRetriableError, WireFormatError.'),
    text: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Text the exception message contains (case-insensitive); a viewer's, as a viewer reads the message.",
      ),
    since: dateTime.optional().describe('Dead-lettered at or after (ISO 8601).'),
    until: dateTime.optional().describe('Dead-lettered before (ISO 8601).'),
  })
  .meta({ id: 'DeadLetterFilter', description: 'Letters matching every field given.' });

const entrySchema = z
  .object({
    partition: z.number().int(),
    offset,
    timestamp: z.string().describe('When it was dead-lettered (ISO 8601).'),
    key: z.string().nullable().describe('UTF-8 text, or `base64:<…>` for a binary key.'),
    originalTopic: z.string().nullable().describe('`document:<format>` for a document that did not map.'),
    originalPartition: z.number().int().nullable(),
    originalOffset: z.string().nullable(),
    owner: z.string().nullable().describe('The consumer group or connector that refused it.'),
    stage: z.string().nullable(),
    exceptionClass: z.string().nullable(),
    message: z
      .string()
      .nullable()
      .describe(
        "Why it was refused: what, where and which field. A viewer's copy shows each document value it quotes as `\"…\"` and stops before a target's answer body; of a letter whose `valuesMarked` is false, only where it failed (mapping, field, input pointer) and a note. An operator's is whole.",
      ),
    valuesMarked: z
      .boolean()
      .describe(
        "Whether the message marks the document values it quotes, so a viewer's copy can hide them alone. false: a letter written before the hub marked them, whose message may quote a customer's name, email or phone anywhere.",
      ),
    attempts: z.number().int().nullable(),
    ceId: z.string().nullable().describe('Its CloudEvents id (`ce_id`), kept through a redrive.'),
    sender: z
      .string()
      .nullable()
      .describe("A mapping letter's sending partner, as its envelope names it (`eai.document.sender`)."),
    size: z.number().int().describe('Bytes of the value.'),
  })
  .meta({ id: 'DeadLetterEntry', description: 'One dead letter, without its value.' });

const pageSchema = z
  .object({
    entries: z.array(entrySchema),
    next: z
      .object({ partition: z.number().int(), offset })
      .nullable()
      .describe('Pass as `partition` and `from` for the next page; null at the end.'),
  })
  .meta({ id: 'DeadLetterPage' });

const headerSchema = z.union([
  z.object({ name: z.string(), text: z.string() }),
  z.object({ name: z.string(), base64: z.string() }),
]);

const valueSchema = z
  .discriminatedUnion('encoding', [
    z.object({
      encoding: z.literal('avro'),
      schema: z.string(),
      schemaId: z.number().int(),
      json: z.unknown().describe('The canonical value as JSON.'),
    }),
    z.object({ encoding: z.literal('text'), text: z.string(), avroError: z.string().optional() }),
    z.object({ encoding: z.literal('base64'), base64: z.string(), avroError: z.string().optional() }),
    z.object({ encoding: z.literal('null') }),
  ])
  .describe('Avro in Confluent wire format decoded to JSON, else UTF-8 text, else base64.');

const letterSchema = entrySchema
  .extend({
    topic: z.string(),
    headers: z.array(headerSchema).describe('Every header: text where printable, base64 otherwise.'),
    value: valueSchema,
  })
  .meta({ id: 'DeadLetter', description: 'One dead letter with its headers and value.' });

// Strict: a redrive sends letters back, so a misspelt key (`dryrun`, `ownr`) is refused, naming it, instead of being
// dropped (a real redrive in place of a dry run, or every letter of the topic in place of one owner's).
const redriveBodySchema = z
  .strictObject({
    selection: z
      .strictObject({
        partition: z.number().int().min(0).default(0),
        fromOffset: offsetInput,
        toOffset: offsetInput.describe('Inclusive.'),
      })
      .optional()
      .describe('An offset range of one partition.'),
    filter: filterSchema
      .strict()
      .refine((f) => Object.values(f).some((v) => v !== undefined), {
        message:
          'name at least one field (owner, originalTopic, sender, stage, exceptionClass, text, since, until)',
      })
      .optional()
      .describe('Letters matching every field given (at least one).'),
    dryRun: z.boolean().default(false).describe('Report what would be redriven; send nothing.'),
  })
  .refine((b) => (b.selection === undefined) !== (b.filter === undefined), {
    message: 'give either selection or filter',
  })
  .meta({ id: 'RedriveRequest', description: 'Which letters to send back: an offset range or a filter.' });

const position = { partition: z.number().int(), offset };
const publishedSchema = z.object({
  topic: z.string(),
  key: z.string().nullable(),
  id: z.string().describe('Its CloudEvents id (`ce_id`): the one it would have had when first mapped.'),
});
const redriveResultSchema = z
  .object({
    topic: z.string(),
    dryRun: z.boolean(),
    selected: z.number().int(),
    redriven: z
      .number()
      .int()
      .describe(
        'Sent back to their original topics, or (documents that did not map) mapped again and published; in a dry run: would be.',
      ),
    skipped: z.array(z.object({ ...position, reason: z.string().describe('Why, and what to do instead.') })),
    repeated: z
      .array(z.object({ ...position, previously: z.string().describe('When it was redriven before.') }))
      .describe('Letters redriven before; they are redriven again.'),
    remapped: z
      .array(
        z.object({
          ...position,
          connector: z
            .string()
            .describe('The source connector that refused the document and mapped it again.'),
          published: z.array(publishedSchema).describe('What was published (in a dry run: would be).'),
        }),
      )
      .describe(
        "Letters of documents that did not map, mapped again with their connector's current mapping; counted in `redriven`.",
      ),
    failing: z
      .array(
        z.object({
          ...position,
          connector: z.string(),
          reason: z.string(),
          error: z.object({
            exceptionClass: z.string(),
            message: z.string().describe('What failed, with the mapping file, field and input location.'),
            location: z.string().nullable().describe('Where in the document (a CSV `line 4`).'),
            field: z.string().nullable().describe('The output field.'),
            records: z.array(z.number().int()).nullable().describe('The records of the document that fail.'),
          }),
        }),
      )
      .describe('Letters of documents that still do not map: nothing published, the letter stays.'),
  })
  .meta({ id: 'RedriveResult' });

const topicParams = z.object({ topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a topic name') });
const notFound = { description: 'No such dead-letter topic or letter.' };
const busDown = { description: 'Kafka or the schema registry did not answer; try again.' };

/**
 * Why a letter's body is not a viewer's: in every 403 answer for it, so the CLI can say which token it takes. Letters
 * are listed without it (`entrySchema` lists each field a viewer gets: nothing of the value, no header).
 */
export const BODY_ROLE_REASON =
  "a dead letter's body is the original document, personal data included; viewers list its metadata with GET /dead-letters/{topic}";

/** An owner named in a filter stands for the hub's connector of that name too, a sink's group (`deadLetterOwners`). */
function withOwners(filter: DeadLetterFilter & { owner?: string }, group: string): DeadLetterFilter {
  return filter.owner === undefined ? filter : { ...filter, owner: deadLetterOwners(filter.owner, group) };
}

/** How long the depths wait for Kafka before the answer is 503: kafkajs gives up on a broker that is down after minutes. */
const DEPTHS_TIMEOUT_MS = 5_000;
/** How long a page of letters or one letter waits (it reads up to 1,000 records and decodes them). */
const LETTERS_TIMEOUT_MS = 20_000;

/**
 * Library errors as answers: not found 404, a bad request 400, a bus that did not answer 503 saying what did not
 * answer (the broker's or registry's address, or the deadline), as the CLI's own errors do.
 */
function answering<T>(work: () => Promise<T>, brokers?: string): Promise<T> {
  return work().catch((error: unknown) => {
    if (error instanceof DeadLetterTopicNotFoundError || error instanceof DeadLetterNotFoundError) {
      throw new HttpError(404, error.message);
    }
    if (error instanceof DeadLetterRequestError) throw new HttpError(400, error.message);
    if (error instanceof EaiError && error.retriable) {
      const kafka = brokers ? `Kafka at ${brokers}` : 'Kafka';
      throw new HttpError(
        503,
        `${kafka} or the schema registry did not answer (${error.message}): try again`,
      );
    }
    throw error;
  });
}

export function registerDeadLetterRoutes(api: AdminApi, deps: DeadLetterRouteDeps): void {
  const served = deps.topics ?? Object.values(DLQ_TOPICS);
  const group = deps.connectGroup ?? DEFAULT_CONNECT_GROUP;
  const inTime = <T>(work: Promise<T>, what: string, ms = LETTERS_TIMEOUT_MS) =>
    withDeadline(work, deps.timeoutMs ?? ms, what);
  const answer = <T>(work: () => Promise<T>) => answering(work, deps.brokers);
  const servedTopic = (topic: string) => {
    if (!served.includes(topic)) {
      throw new HttpError(404, `${topic} is not a dead-letter topic (the hub's are ${served.join(', ')})`);
    }
    return topic;
  };

  api.route(
    {
      method: 'get',
      path: '/dead-letters',
      summary: 'Dead-letter topics and how many offsets each spans',
      tag: 'dead-letters',
      role: 'viewer',
      responses: {
        200: {
          description:
            'Each dead-letter topic with its depth: offsets, an upper bound of its letters (GET /dead-letters/{topic} lists them).',
          schema: z.object({
            topics: z.array(
              z.object({
                topic: z.string(),
                depth: z
                  .number()
                  .int()
                  .describe(
                    'Offsets held, end minus start: each letter takes one, and so does the commit marker of each transaction that wrote letters (a batch of a source connector, a redrive), so the letters may be fewer.',
                  ),
                exists: z.boolean(),
              }),
            ),
          }),
        },
        503: busDown,
      },
    },
    async () => ({
      status: 200,
      body: {
        topics: await answer(() =>
          inTime(deadLetterDepths(deps.transport, served), 'dead-letter depths', DEPTHS_TIMEOUT_MS),
        ),
      },
    }),
  );

  api.route(
    {
      method: 'get',
      path: '/dead-letters/{topic}',
      summary: 'A page of dead letters, oldest first, without their values',
      tag: 'dead-letters',
      role: 'viewer',
      params: topicParams,
      query: filterSchema.extend({
        partition: z.coerce.number().int().min(0).optional().describe('Start at this partition (default 0).'),
        from: offset.optional().describe('Start at this offset of the first partition read.'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'The letters.', schema: pageSchema }, 404: notFound, 503: busDown },
    },
    async ({ params, query, principal }) => {
      const { partition, from, limit, ...filter } = query;
      const topic = servedTopic(params.topic);
      const page = await answer(() =>
        inTime(
          listDeadLetters(deps.transport, {
            topic,
            partition,
            from,
            limit,
            // A viewer's `text` searches the message a viewer reads, or it would tell what the copy leaves out.
            filter: {
              ...withOwners(filter, group),
              messageAs: (m, marked) => messageFor(principal.role, m, marked),
            },
          }),
          `dead letters of ${topic}`,
        ),
      );
      // Deny by default: a viewer gets the fields `entrySchema` lists and nothing else, whatever an entry carries;
      // and the messages without the answer body they may quote (a target that refused a record often echoes it:
      // names, emails), as the logs have them, nor the document's values they quote (`got "12,50"`, a bad email).
      // An operator reads them whole, as the letters' bodies (`show`).
      const body = pageSchema.parse(page);
      for (const entry of body.entries)
        if (entry.message !== null)
          entry.message = messageFor(principal.role, entry.message, entry.valuesMarked);
      return { status: 200, body };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/dead-letters/{topic}/{partition}/{offset}',
      summary: 'One dead letter with its headers and decoded value (its body: operator)',
      description:
        "A letter's value and headers are the original record or document, with the customers' names, addresses, emails and phones it holds: an operator's to read. A viewer reads its metadata (where it came from, who refused it and why, when, its size and ids) in `GET /dead-letters/{topic}`, e.g. `?partition=0&from=42&limit=1`.",
      tag: 'dead-letters',
      role: PERSONAL_DATA_ROLE,
      roleReason: BODY_ROLE_REASON,
      params: topicParams.extend({ partition: z.coerce.number().int().min(0), offset }),
      responses: { 200: { description: 'The letter.', schema: letterSchema }, 404: notFound, 503: busDown },
    },
    async ({ params }) => {
      const topic = servedTopic(params.topic);
      const letter = await answer(() =>
        inTime(
          showDeadLetter(deps.transport, deps.serde, { ...params, topic }),
          `dead letter ${topic} ${params.partition}:${params.offset}`,
        ),
      );
      return { status: 200, body: letter };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/dead-letters/{topic}/redrive',
      summary: 'Send dead letters back to the topics they came from, or map their documents again',
      description:
        "Each selected letter goes back to its original topic and partition with its original key, value and headers (so its `ce_id` is kept) minus the error headers, plus `eai.redriven-from`. A letter of a document that did not map (`dlq.mapping`, original topic `document:<format>`) is mapped again through the source connector that refused it, with its mapping and lookup tables as they are now, and what maps is published to that connector's output topics as it would have been (same keys and `ce_id`s, plus `eai.redriven-from`), in one transaction with the letter's redrive mark: for a letter of some records of a document (`eai.record.index`) only those records. One that still does not map is reported in `failing` with the new error and stays; nothing of it is published. A letter of a connector this hub does not have is skipped, saying why. `dryRun` maps them too, to say whether they map now.",
      tag: 'dead-letters',
      role: 'operator',
      params: topicParams,
      body: redriveBodySchema,
      responses: {
        200: {
          description: 'What was redriven (sent back or mapped again), skipped, and still does not map.',
          schema: redriveResultSchema,
        },
        404: notFound,
        503: busDown,
      },
    },
    async ({ params, body, principal }) => {
      const topic = servedTopic(params.topic);
      const selection = body.selection ?? { filter: withOwners(body.filter!, group) };
      const result = await answer(() =>
        redriveDeadLetters(deps.transport, {
          topic,
          selection,
          dryRun: body.dryRun,
          remapDocument: deps.remapDocument,
        }),
      );
      deps.logger?.info(
        {
          topic,
          principal: principal.name,
          dryRun: result.dryRun,
          selected: result.selected,
          redriven: result.redriven,
          remapped: result.remapped.length,
          skipped: result.skipped.length,
          failing: result.failing.length,
        },
        'dead letters redriven',
      );
      // The reasons as the operator reads them: the document's values plain, without the marks the logs mask by.
      const shown = (reason: string) => messageFor(principal.role, reason);
      return {
        status: 200,
        body: {
          ...result,
          skipped: result.skipped.map((s) => ({ ...s, reason: shown(s.reason) })),
          failing: result.failing.map((f) => ({
            ...f,
            reason: shown(f.reason),
            error: { ...f.error, message: shown(f.error.message) },
          })),
        },
      };
    },
  );
}
