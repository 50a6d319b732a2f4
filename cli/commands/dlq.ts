import type { Command } from 'commander';
import {
  DEFAULT_CONNECT_GROUP,
  type DeadLetter,
  type DeadLetterEntry,
  type DeadLetterFilter,
  type DeadLetterPage,
  DLQ_TOPICS,
  deadLetterDepths,
  listDeadLetters,
  type RedriveProgress,
  type RedriveResult,
  redriveDeadLetters,
  showDeadLetter,
  topicCatalog,
} from '../../bus/index.ts';
import { deadLetterOwners } from '../../connectors/index.ts';
import { ConfigError } from '../../lib/errors.ts';
import { connectBus } from '../endpoints.ts';
import { callHub, HubError, type HubTarget, hubOptions } from '../hub-client.ts';
import { positiveInteger, timeOption } from '../options.ts';
import { printResult } from '../output.ts';

/**
 * `eai dlq`: dead letters: list them with why they failed, show one decoded, redrive a range or a filter back to the
 * topics they came from. Given a hub (`--url`, `--token`, `EAI_URL`, `EAI_TOKEN` or `EAI_ADMIN_TOKEN`), through its
 * admin API and the token's role: a letter's body (value and headers, the original document with its personal data)
 * needs an operator's token. Else straight from Kafka (no hub needed), which takes access to the brokers themselves.
 */
interface FilterOptions {
  owner?: string;
  stage?: string;
  exception?: string;
  originalTopic?: string;
  sender?: string;
  grep?: string;
  since?: string;
  until?: string;
}

/**
 * The filter options given, read once, by the names of DeadLetterFilter and of the admin API's query: the owner as
 * written (a hub expands it itself; `expandedOwner` for Kafka).
 */
type GivenFilter = Omit<DeadLetterFilter, 'owner'> & { owner?: string };

function toFilter(options: FilterOptions): GivenFilter {
  const filter: GivenFilter = {
    owner: options.owner,
    stage: options.stage,
    exceptionClass: options.exception,
    originalTopic: options.originalTopic,
    sender: options.sender,
    text: options.grep,
    since: timeOption(options.since, '--since'),
    until: timeOption(options.until, '--until'),
  };
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
}

/** Straight from Kafka, a connector is the one of the connect group `eai up` joins here (a hub expands it itself). */
function expandedOwner(filter: GivenFilter): DeadLetterFilter {
  if (filter.owner === undefined) return filter;
  return {
    ...filter,
    owner: deadLetterOwners(filter.owner, process.env.EAI_CONNECT_GROUP ?? DEFAULT_CONNECT_GROUP),
  };
}

function withFilterOptions(command: Command): Command {
  return command
    .option(
      '--owner <name>',
      "only letters of this consumer group or connector (the hub's connect group's, without a hub EAI_CONNECT_GROUP's; another group's as <group>/<name>)",
    )
    .option('--stage <stage>', 'only this stage (TASK_PUT, VALUE_CONVERTER, MAPPING, …)')
    .option('--exception <class>', 'only this exception class, e.g. WireFormatError')
    .option('--original-topic <topic>', 'only letters that came from this topic')
    .option(
      '--sender <partner>',
      "only mapping letters of this sending partner (ISA06, UNB sender, an IDoc's SNDPRN: eai.document.sender)",
    )
    .option('--grep <text>', 'only letters whose error message contains the text (any case)')
    .option('--since <time>', 'dead-lettered at or after (ISO 8601, or an age: 30m, 24h, 7d)')
    .option('--until <time>', 'dead-lettered before (ISO 8601, or an age: 30m, 24h, 7d)');
}

function partitionNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ConfigError(`partition must be a number, got "${value}"`);
  return Number(value);
}

/**
 * Refuses a topic the hub declares for something else (canonical records, the redrive log, receipts): its records
 * are no dead letters (listed, each was a row of `?`). Other topics may be dead-letter topics of their own (a test's).
 */
function deadLetterTopic(topic: string): string {
  const dlqs: string[] = Object.values(DLQ_TOPICS);
  if (!dlqs.includes(topic) && topicCatalog.some((spec) => spec.topic === topic))
    throw new ConfigError(`${topic} is not a dead-letter topic: the hub's are ${dlqs.join(', ')}`);
  return topic;
}

/** The hub the command goes through, when one is named; else it reads Kafka directly. */
function hubOf(options: HubTarget): HubTarget | undefined {
  const named = [
    options.url,
    options.token,
    options.tokenFile,
    process.env.EAI_URL,
    process.env.EAI_TOKEN,
    process.env.EAI_ADMIN_TOKEN,
  ].some(Boolean);
  return named ? options : undefined;
}

/** The admin API's query of a list: the filter as `GET /dead-letters/{topic}` names it (it expands owners itself). */
function listQuery(
  filter: GivenFilter,
  position: { partition?: number; from?: string; limit: number },
): URLSearchParams {
  const query = new URLSearchParams();
  const values: Record<string, unknown> = { ...filter, ...position };
  for (const [name, value] of Object.entries(values)) if (value !== undefined) query.set(name, String(value));
  return query;
}

/** One letter from the hub; a token below operator is told in one line which token the body takes. */
async function showThroughHub(hub: HubTarget, topic: string, partition: number, offset: string) {
  const path = `/dead-letters/${encodeURIComponent(topic)}/${partition}/${encodeURIComponent(offset)}`;
  try {
    return (await callHub(hub, 'GET', path)).body as DeadLetter;
  } catch (error) {
    if (error instanceof HubError && error.status === 403)
      throw new HubError(
        `a dead letter's body (the original document, personal data included) needs an operator or admin token, and this token's role is below operator: set EAI_TOKEN to one, or see its metadata with npx eai dlq ls ${topic} --partition ${partition} --from ${offset} --limit 1`,
        403,
        error.answer,
      );
    throw error;
  }
}

const clip = (text: string | null, width: number) =>
  !text ? '' : text.length > width ? `${text.slice(0, width - 1)}…` : text;

/** An owner's end is the part that tells owners apart (`eai-sink-<group>/<name>`): a long one loses its start. */
const clipStart = (text: string | null, width: number) =>
  !text ? '' : text.length > width ? `…${text.slice(text.length - width + 1)}` : text;

export function entryLine(e: DeadLetterEntry): string {
  const from =
    e.originalTopic?.startsWith('document:') || e.originalPartition === null
      ? (e.originalTopic ?? '?')
      : `${e.originalTopic}/${e.originalPartition}/${e.originalOffset}`;
  return [
    `${e.partition}/${e.offset}`.padEnd(8),
    e.timestamp,
    clipStart(e.owner, 24).padEnd(24),
    (e.stage ?? '').padEnd(15),
    `${e.exceptionClass ?? '?'}: ${clip(e.message, 70)}`,
    `(from ${from})`,
  ].join('  ');
}

/**
 * `eai dlq ls <topic>`: a header naming entryLine's columns (as `eai connectors ls` has one), then a line per letter.
 * The position is the letter's partition/offset in the dead-letter topic, `from` the record it stands for.
 */
export function entriesText(entries: DeadLetterEntry[]): string {
  const header = [
    'POSITION',
    'DEAD-LETTERED'.padEnd(24),
    'OWNER'.padEnd(24),
    'STAGE'.padEnd(15),
    'ERROR',
    '(FROM)',
  ].join('  ');
  return [header, ...entries.map(entryLine)].join('\n');
}

function letterText(letter: DeadLetter): string {
  const lines = [
    `${letter.topic}/${letter.partition}/${letter.offset}  dead-lettered ${letter.timestamp}`,
    `  from       ${letter.originalTopic}/${letter.originalPartition}/${letter.originalOffset}`,
    `  owner      ${letter.owner}   stage ${letter.stage}   attempts ${letter.attempts}`,
    `  error      ${letter.exceptionClass}: ${letter.message}`,
    `  key        ${letter.key}   ce_id ${letter.ceId ?? '-'}   ${letter.size} bytes`,
    'headers:',
    ...letter.headers.map((h) =>
      'text' in h
        ? `  ${h.name}: ${h.name.endsWith('.stacktrace') ? clip(h.text.split('\n')[0] ?? '', 100) : h.text}`
        : `  ${h.name} (base64): ${h.base64}`,
    ),
  ];
  const v = letter.value;
  if (v.encoding === 'avro')
    lines.push(`value (${v.schema}, schema id ${v.schemaId}):`, JSON.stringify(v.json, null, 2));
  else if (v.encoding === 'text') lines.push('value (text, not Avro):', v.text);
  else if (v.encoding === 'base64') lines.push('value (binary, base64):', v.base64);
  else lines.push('value: null');
  return lines.join('\n');
}

/**
 * `eai dlq ls` without a topic: each topic's offsets, which is not its count of letters. A letter takes one offset,
 * but each transaction that wrote letters (a source connector's batch, a redrive) adds a commit marker, so a topic may
 * hold fewer letters than offsets. Counting the letters would read every one; the offsets cost one request.
 */
export function depthsText(depths: Array<{ topic: string; depth: number; exists: boolean }>): string {
  return [
    `${'topic'.padEnd(20)} offsets (at most this many letters: transaction markers take offsets too; eai dlq ls <topic> lists them)`,
    ...depths.map((d) => `${d.topic.padEnd(20)} ${d.exists ? d.depth : 'no such topic'}`),
  ].join('\n');
}

/** The first lines of a long list, and how many more there are (--json has them all). */
function atMost(lines: string[], what: string, shown = 10): string[] {
  if (lines.length <= shown) return lines;
  return [...lines.slice(0, shown), `  … and ${lines.length - shown} more ${what} (--json lists them all)`];
}

/** The records a letter's document published again, the first few by id and topic. */
function publishedText(published: RedriveResult['remapped'][number]['published'], shown = 3): string {
  if (published.length === 0) return 'no record';
  const listed = published.slice(0, shown).map((p) => `${p.id} to ${p.topic}`);
  return [...listed, ...(published.length > shown ? [`and ${published.length - shown} more`] : [])].join(
    ', ',
  );
}

function redriveText(r: RedriveResult): string {
  const verb = r.dryRun ? 'would redrive' : 'redrove';
  // A hub older than mapping redrives answers without them.
  const remapped = r.remapped ?? [];
  const failing = r.failing ?? [];
  const mapped = remapped.length > 0 ? ` (${remapped.length} mapped again)` : '';
  const still = failing.length > 0 ? `, still failing ${failing.length}` : '';
  const publish = r.dryRun ? 'would publish' : 'published';
  return [
    `${r.topic}: ${r.selected} selected, ${verb} ${r.redriven}${mapped}, skipped ${r.skipped.length}${still}`,
    ...atMost(
      remapped.map(
        (m) =>
          `  ${m.partition}/${m.offset} mapped again by ${m.connector}: ${publish} ${publishedText(m.published)}`,
      ),
      'mapped again',
    ),
    ...atMost(
      failing.map((f) => `  still failing ${f.partition}/${f.offset} (${f.connector}): ${f.reason}`),
      'still failing',
    ),
    ...atMost(
      r.skipped.map((s) => `  skipped ${s.partition}/${s.offset}: ${s.reason}`),
      'skipped',
    ),
    ...atMost(
      r.repeated.map((s) => `  ${s.partition}/${s.offset} had been redriven before (${s.previously})`),
      'redriven before',
    ),
  ].join('\n');
}

/**
 * The line of a list that found nothing. Straight from Kafka a bare `--owner` names a connector of EAI_CONNECT_GROUP's
 * group (default eai-connect): in the trial a sink of the group trial-odoo was not found as `--owner odoo-out`, with
 * nothing saying which group was searched.
 */
export function noMatchText(
  topic: string,
  owner: string | undefined,
  throughHub: boolean,
  group = process.env.EAI_CONNECT_GROUP ?? DEFAULT_CONNECT_GROUP,
): string {
  const line = `no dead letters in ${topic} match`;
  if (owner === undefined || owner.includes('/') || throughHub) return line;
  return `${line} (owner ${owner}: a consumer group, or a connector of the connect group ${group}, EAI_CONNECT_GROUP's; another group's connector is --owner <group>/${owner})`;
}

export function registerDlqCommand(program: Command): void {
  const dlq = program
    .command('dlq')
    .description(
      'dead letters: list, show and redrive them (through a hub and its roles with --url/--token or EAI_URL/EAI_TOKEN, else straight from Kafka)',
    );

  withFilterOptions(
    hubOptions(
      dlq
        .command('ls [topic]')
        .description(
          'without a topic: the dead-letter topics and their offsets (letters plus transaction markers); with one: its letters, oldest first (metadata only: a viewer token will do)',
        ),
    ),
  )
    .option('--partition <n>', 'start at this partition (default 0)')
    .option('--from <offset>', 'start at this offset')
    .option('--limit <n>', 'at most n letters', '100')
    .option('--json', 'print JSON')
    .action(
      async (
        topic: string | undefined,
        options: FilterOptions &
          HubTarget & { partition?: string; from?: string; limit: string; json?: boolean },
      ) => {
        const limit = positiveInteger(options.limit, '--limit');
        const partition = partitionNumber(options.partition);
        if (topic !== undefined) deadLetterTopic(topic);
        const hub = hubOf(options);
        const filter = toFilter(options);
        // Filters and positions pick letters of one topic: without one they were ignored without a word.
        const picking =
          Object.keys(filter).length > 0 || options.partition !== undefined || options.from !== undefined;
        if (topic === undefined && picking)
          throw new ConfigError(
            `filters, --partition and --from pick the letters of one topic: name it, e.g. npx eai dlq ls ${DLQ_TOPICS.mapping} --since 24h (npx eai dlq ls lists the topics)`,
          );
        if (topic === undefined) {
          const depths = hub
            ? (
                (await callHub(hub, 'GET', '/dead-letters')).body as {
                  topics: Parameters<typeof depthsText>[0];
                }
              ).topics
            : await deadLetterDepths((await connectBus('/eai/cli')).transport, Object.values(DLQ_TOPICS));
          printResult(!!options.json, depths, () => depthsText(depths));
          return;
        }
        const page = hub
          ? ((
              await callHub(
                hub,
                'GET',
                `/dead-letters/${encodeURIComponent(topic)}?${listQuery(filter, { partition, from: options.from, limit })}`,
              )
            ).body as DeadLetterPage)
          : await listDeadLetters((await connectBus('/eai/cli')).transport, {
              topic,
              partition,
              from: options.from,
              limit,
              filter: expandedOwner(filter),
            });
        printResult(!!options.json, page, () =>
          [
            ...(page.entries.length
              ? [entriesText(page.entries)]
              : [noMatchText(topic, options.owner, !!hub)]),
            ...(page.next ? [`more: --partition ${page.next.partition} --from ${page.next.offset}`] : []),
          ].join('\n'),
        );
      },
    );

  hubOptions(
    dlq
      .command('show <topic> <partition> <offset>')
      .description(
        'one dead letter: why it failed, every header, and its value (Avro decoded, else text, else base64); through a hub it takes an operator token',
      ),
  )
    .option('--json', 'print JSON')
    .action(
      async (topic: string, partition: string, offset: string, options: HubTarget & { json?: boolean }) => {
        const at = partitionNumber(partition)!;
        deadLetterTopic(topic);
        const hub = hubOf(options);
        let letter: DeadLetter;
        if (hub) letter = await showThroughHub(hub, topic, at, offset);
        else {
          const client = await connectBus('/eai/cli');
          letter = await showDeadLetter(client.transport, client.serde, { topic, partition: at, offset });
        }
        printResult(!!options.json, letter, () => letterText(letter));
      },
    );

  withFilterOptions(
    hubOptions(
      dlq
        .command('redrive <topic>')
        .description(
          "send dead letters back to the topics they came from, with their original key, value and headers: an offset range (--from, --to) or a filter; through a hub it takes an operator token, and maps the documents of dlq.mapping's letters again with the current mapping of the connector that refused them",
        ),
    ),
  )
    .option('--from <offset>', 'first offset of the range')
    .option('--to <offset>', 'last offset of the range (inclusive)')
    .option('--partition <n>', 'partition of the range (default 0)')
    .option('--dry-run', 'say what would be redriven, send nothing')
    .option('--json', 'print the result as JSON (and no progress lines)')
    .action(
      async (
        topic: string,
        options: FilterOptions &
          HubTarget & {
            from?: string;
            to?: string;
            partition?: string;
            dryRun?: boolean;
            json?: boolean;
          },
      ) => {
        const filter = toFilter(options);
        const ranged = options.from !== undefined || options.to !== undefined;
        const filtered = Object.keys(filter).length > 0;
        if (ranged && filtered) throw new ConfigError('give either --from/--to or filter options, not both');
        if (!ranged && !filtered) {
          throw new ConfigError('say which letters: --from N --to M, or a filter such as --owner or --grep');
        }
        if (ranged && (options.from === undefined || options.to === undefined)) {
          throw new ConfigError('a range needs both --from and --to');
        }
        if (!ranged && options.partition !== undefined)
          throw new ConfigError('--partition goes with --from/--to');
        const partition = partitionNumber(options.partition);
        deadLetterTopic(topic);
        const hub = hubOf(options);
        if (hub) {
          // The hub expands an owner itself (the name as given), and answers once it is done (no progress lines).
          const { body } = await callHub(hub, 'POST', `/dead-letters/${encodeURIComponent(topic)}/redrive`, {
            ...(ranged
              ? { selection: { partition, fromOffset: options.from, toOffset: options.to } }
              : { filter }),
            dryRun: !!options.dryRun,
          });
          const result = body as RedriveResult;
          printResult(!!options.json, result, () => redriveText(result));
          return;
        }
        const client = await connectBus('/eai/cli');
        let lastAt = Date.now();
        let lastCount = 0;
        const onProgress = options.json
          ? undefined
          : (p: RedriveProgress) => {
              if (p.selected - lastCount < 1000 && Date.now() - lastAt < 1000) return;
              lastAt = Date.now();
              lastCount = p.selected;
              process.stderr.write(
                `eai: ${p.scanned} read, ${p.selected} selected, ${p.redriven} ${options.dryRun ? 'to redrive' : 'redriven'}, ${p.skipped} skipped\n`,
              );
            };
        const result = await redriveDeadLetters(client.transport, {
          topic,
          selection: ranged
            ? { partition, fromOffset: options.from!, toOffset: options.to! }
            : { filter: expandedOwner(filter) },
          dryRun: !!options.dryRun,
          onProgress,
          progressEvery: 100,
        });
        printResult(!!options.json, result, () => redriveText(result));
      },
    );
}
