import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { builtinPlugins, checkDeployment, literalSecretWarnings } from '../../connectors/index.ts';
import { ConfigError, firstLineOf, withoutAnswerBody } from '../../lib/errors.ts';
import { parseYamlText } from '../../lib/yaml-text.ts';
import { callHub, HubError, type HubTarget, hubOnThisMachine, hubOptions } from '../hub-client.ts';
import { printResult } from '../output.ts';

type Options = HubTarget & { json?: boolean };

export interface Status {
  name: string;
  type: string;
  kind: string;
  state: string;
  workerId: string | null;
  /** The name of the hub instance that runs it (EAI_INSTANCE_ID or `<host name>:<port>`); absent from an older hub. */
  instance?: string | null;
  trace: string | null;
  metrics: {
    recordsIn: number;
    recordsOut: number;
    recordsFailed: number;
    /** Sinks: records a sink had nothing to do for (not its kind of record), not in `recordsOut`. */
    recordsSkipped?: number;
    /** How many were skipped for each reason; absent from an older hub. */
    skippedReasons?: Record<string, number>;
    lastSuccessAt: string | null;
    lastError?: string | null;
    /** Sinks: the record whose write keeps failing and is retried, its partition waiting behind it. */
    retrying?: { since: string; attempts: number; error: string } | null;
    lagRecords: number | null;
  };
  task?: {
    snapshot?: { state: string; records: number; pages: number };
    /** File sources: the file being read and the folder's files. */
    files?: {
      reading: { file: string; bytes: number; messagesRead: number; messagesCommitted: number } | null;
      waiting: number;
      done: number;
      refused: number;
    };
  };
  /** A running connector waiting for the Kafka cluster, which does not answer. */
  waiting?: { on: string; since: string; reason: string } | null;
  /** Its restarts by itself after transient failures, and the next one while FAILED. */
  autoRestart?: { restarts: number; nextRestartAt: string | null } | null;
}

/** A file source's progress: the file being read (messages committed of those read), then the folder's counts. */
function filesProgress(files: NonNullable<Status['task']>['files']): string {
  if (!files) return '';
  const { reading, waiting, done, refused } = files;
  const parts = [
    reading &&
      `reading ${reading.file} (${reading.messagesCommitted} of ${reading.messagesRead} messages read committed)`,
    waiting > 0 && `${waiting} waiting`,
    done > 0 && `${done} done`,
    refused > 0 && `${refused} refused`,
  ].filter(Boolean);
  return parts.length ? `  files: ${parts.join(', ')}` : '';
}

/** The INSTANCE column: the instance that runs it by name (an older hub's worker id), `-` when none does. */
const instanceOf = (s: Status) => s.instance ?? s.workerId ?? '-';

/**
 * `eai connectors ls` and `status`: a header, then a line per connector, the INSTANCE column as wide as its longest
 * name (a pod name may be long, a host:port short).
 */
export function statusTable(statuses: Status[]): string {
  const width = Math.max('INSTANCE'.length, ...statuses.map((s) => instanceOf(s).length));
  const header = `${'NAME'.padEnd(28)} ${'KIND'.padEnd(6)} ${'STATE'.padEnd(10)} ${'INSTANCE'.padEnd(width)} RECORDS`;
  return [header, ...statuses.map((s) => statusLine(s, width))].join('\n');
}

// A target's answer (an Odoo 503 is a page of JSON with a traceback) would bury the line: the status --json has it.
const short = (error: string) => withoutAnswerBody(error, 300, ' (answer in eai connectors status --json)');

type Troubled = Pick<Status, 'trace' | 'waiting'> & {
  metrics: Pick<Status['metrics'], 'lastError' | 'retrying'>;
};

/** What keeps a connector from working now, in its status line's words: each of waiting, retrying, error ('' none). */
function troubles(s: Troubled): { waiting: string; retrying: string; error: string } {
  const m = s.metrics;
  return {
    waiting: s.waiting ? `waiting since ${s.waiting.since}: ${s.waiting.reason}` : '',
    retrying: m.retrying
      ? `retrying since ${m.retrying.since} (${m.retrying.attempts} attempts): ${short(m.retrying.error)}`
      : '',
    error: s.trace ? `(${s.trace})` : m.lastError ? `error: ${short(m.lastError)}` : '',
  };
}

/** The same in one text (the demo's table lists it under its connector), '' when nothing is wrong. */
export function troubleText(s: Troubled): string {
  const { waiting, retrying, error } = troubles(s);
  return [waiting, retrying, error].filter(Boolean).join('; ');
}

export function statusLine(s: Status, instanceWidth = 0): string {
  const m = s.metrics;
  const lag = m.lagRecords === null ? '' : `  lag ${m.lagRecords}`;
  const said = troubles(s);
  const [waiting, retrying, trace] = [said.waiting, said.retrying, said.error].map((t) =>
    t ? `  ${t}` : '',
  );
  const auto = s.autoRestart;
  const restarts = !auto
    ? ''
    : auto.nextRestartAt
      ? `  restarting by itself at ${auto.nextRestartAt} (restart ${auto.restarts + 1})`
      : auto.restarts > 0
        ? `  restarted by itself ${auto.restarts}×`
        : '';
  const snap = s.task?.snapshot;
  const snapshot =
    snap && snap.state !== 'off'
      ? `  snapshot ${snap.state} ${snap.records} records/${snap.pages} pages`
      : '';
  return `${s.name.padEnd(28)} ${s.kind.padEnd(6)} ${s.state.padEnd(10)} ${instanceOf(s).padEnd(instanceWidth)} in ${m.recordsIn}  out ${m.recordsOut}${m.recordsSkipped ? `  skipped ${m.recordsSkipped}` : ''}  failed ${m.recordsFailed}${lag}  last ${m.lastSuccessAt ?? '-'}${snapshot}${filesProgress(s.task?.files)}${waiting}${retrying}${restarts}${trace}`;
}

/** A connector's skip reasons with their counts, the most frequent first (the status and the demo list them so). */
export function reasonsByCount(reasons: Record<string, number>): Array<[string, number]> {
  return Object.entries(reasons).sort((a, b) => b[1] - a[1]);
}

/**
 * Under `eai connectors status <name>`: how many records were skipped for each reason, most first (none: nothing).
 * A count of skipped alone leaves an operator asking whether something is wrong; the reason says what was not done.
 */
export function skippedReasonsText(s: Status): string {
  const reasons = reasonsByCount(s.metrics.skippedReasons ?? {});
  if (reasons.length === 0) return '';
  const width = String(reasons[0]![1]).length;
  return ['skipped, by reason:', ...reasons.map(([why, n]) => `  ${String(n).padStart(width)}  ${why}`)].join(
    '\n',
  );
}

/** The file of `offsets --set`, read before the hub is asked: a missing or broken one is named with what it holds. */
function offsetsFile(file: string): unknown {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    // The list alone (the `offsets` of what --json prints, cut out of it) means the same: the hub answered it with
    // "body: Invalid input: expected object, received array".
    if (Array.isArray(parsed)) return { offsets: parsed };
    // One entry alone (`{"partition": …, "offset": …}`, as docs/connectors.md writes one): a list of it.
    const entry =
      parsed !== null && typeof parsed === 'object' && !('offsets' in parsed) && 'partition' in parsed;
    return entry ? { offsets: [parsed] } : parsed;
  } catch (error) {
    throw new ConfigError(
      `${file}: ${(error as Error).message}; write {"offsets":[{"partition":…,"offset":…}]}, as eai connectors offsets <name> --json prints them`,
    );
  }
}

/**
 * A definition the hub refused, said of the file applied and its fields (`orders.yaml: config.dir: …`), without the
 * request line and status, which are the CLI's business; other errors (unreachable, 401/403, 5xx) as they are.
 */
function appliedError(file: string, error: unknown): unknown {
  if (!(error instanceof HubError) || error.status !== 400 || !error.answer) return error;
  const { details } = error.answer;
  const said =
    details.length > 0
      ? details.map((d) => `${d.path}: ${d.message}`).join('; ')
      : error.answer.error.replace(/^body: /, '');
  return new ConfigError(`${file}: ${said}`, {
    fields: details.map((d) => ({ field: d.path, problem: d.message })),
  });
}

/**
 * The hub's 409 for offsets changed while the connector is not STOPPED names its REST route (`PUT
 * /connectors/<name>/stop`); said here as the command that stops it. Other errors as they are.
 */
function notStoppedError(name: string, error: unknown): unknown {
  if (!(error instanceof HubError) || error.status !== 409) return error;
  return new HubError(
    `connector ${name} must be STOPPED to change its offsets: npx eai connectors stop ${name} first (npx eai connectors resume ${name} after, to read from them)`,
    error.status,
    error.answer,
  );
}

/** `eai connectors …`: the connector REST API of a running hub, from the command line. */
export function registerConnectorsCommand(program: Command): void {
  const connectors = program
    .command('connectors')
    .description('list, watch and steer the connectors of a running hub');
  const sub = (name: string, description: string) =>
    hubOptions(connectors.command(name).description(description)).option('--json', 'print JSON');

  sub('ls', 'every connector with its state and counters').action(async (options: Options) => {
    const { body } = await callHub(options, 'GET', '/connectors?expand=status');
    const statuses = Object.values(body as Record<string, { status: Status }>).map((e) => e.status);
    printResult(!!options.json, statuses, () => (statuses.length ? statusTable(statuses) : 'no connectors'));
  });

  sub('status', "one connector's status")
    .argument('<name>')
    .action(async (name: string, options: Options) => {
      const { body } = await callHub(options, 'GET', `/connectors/${encodeURIComponent(name)}/status`);
      printResult(!!options.json, body, () =>
        [statusTable([body as Status]), skippedReasonsText(body as Status)].filter(Boolean).join('\n'),
      );
    });

  sub('show', "one connector's definition (secrets redacted)")
    .argument('<name>')
    .action(async (name: string, options: Options) => {
      const { body } = await callHub(options, 'GET', `/connectors/${encodeURIComponent(name)}`);
      printResult(!!options.json, body, () => JSON.stringify(body, null, 2));
    });

  sub(
    'apply',
    "create or replace a connector from its YAML file (its relative paths are the file's folder's, for a hub on this machine)",
  )
    .argument('<file>')
    .action(async (file: string, options: Options) => {
      let definition: { name?: string; config?: unknown };
      try {
        definition = parseYamlText(readFileSync(file, 'utf8')) as { name?: string; config?: unknown };
      } catch (error) {
        // Its first line: the rest is a frame of the file, which for a file that is not text is its raw bytes.
        throw new ConfigError(`${file}: not readable YAML: ${firstLineOf(error)}`);
      }
      if (!definition?.name) throw new Error(`${file}: name: required`);
      // Relative paths in the file (a mapping beside it, `${file:…}` secrets, a drop folder) are the file's, as in a
      // deployment folder: a hub on this machine resolves them against the file's folder.
      const baseDir = hubOnThisMachine(options)
        ? `?baseDir=${encodeURIComponent(dirname(resolve(file)))}`
        : '';
      const { status, body } = await callHub(
        options,
        'PUT',
        `/connectors/${encodeURIComponent(definition.name)}${baseDir}`,
        definition,
      ).catch((error: unknown) => {
        throw appliedError(file, error);
      });
      printResult(
        !!options.json,
        body,
        () => `${definition.name}: ${status === 201 ? 'created' : 'replaced'}`,
      );
      // The hub accepts a secret written out and says so in its own log only: the one who wrote it is told here.
      for (const warning of literalSecretWarnings(definition))
        process.stderr.write(`${file}: warning: ${warning.field}: ${warning.problem}\n`);
    });

  sub('delete', 'delete a connector')
    .argument('<name>')
    .action(async (name: string, options: Options) => {
      await callHub(options, 'DELETE', `/connectors/${encodeURIComponent(name)}`);
      printResult(!!options.json, { name, deleted: true }, () => `${name}: deleted`);
    });

  for (const [verb, method, description] of [
    ['pause', 'PUT', 'pause a connector'],
    ['resume', 'PUT', 'resume a paused or stopped connector'],
    ['stop', 'PUT', 'stop a connector (then its offsets may be changed)'],
    ['restart', 'POST', "restart a connector's task"],
  ] as const) {
    sub(verb, description)
      .argument('<name>')
      .action(async (name: string, options: Options) => {
        await callHub(options, method, `/connectors/${encodeURIComponent(name)}/${verb}`);
        printResult(!!options.json, { name, requested: verb }, () => `${name}: ${verb} requested`);
      });
  }

  sub('offsets', "show, set (--set FILE.json) or reset (--reset) a stopped connector's offsets")
    .argument('<name>')
    .option(
      '--reset',
      'reset: a source starts over, a sink as a new one (its startAt; default the beginning)',
    )
    .option(
      '--set <file>',
      'a JSON file {"offsets":[{"partition":…,"offset":…}]}, the list alone, or one {"partition":…,"offset":…}',
    )
    .action(async (name: string, options: Options & { reset?: boolean; set?: string }) => {
      const path = `/connectors/${encodeURIComponent(name)}/offsets`;
      // Both given, --reset won and the file was read for nothing: the offsets the caller wrote were never set.
      if (options.reset && options.set)
        throw new ConfigError(
          `--reset and --set ${options.set}: give one (--reset starts over, --set writes the file's offsets)`,
        );
      if (options.reset || options.set) {
        const body = options.set ? offsetsFile(options.set) : undefined;
        const result = await callHub(options, options.reset ? 'DELETE' : 'PATCH', path, body).catch(
          (error: unknown) => {
            throw notStoppedError(name, error);
          },
        );
        printResult(!!options.json, result.body, () => (result.body as { message: string }).message);
        return;
      }
      const { body } = await callHub(options, 'GET', path);
      const offsets = (body as { offsets: Array<{ partition: unknown; offset: unknown }> }).offsets;
      printResult(!!options.json, body, () =>
        offsets.length
          ? offsets.map((o) => `${JSON.stringify(o.partition)}  ${JSON.stringify(o.offset)}`).join('\n')
          : 'no offsets',
      );
    });

  // On this machine, no hub: as `eai up --deploy` checks a folder at start, for a pipeline before it deploys.
  connectors
    .command('validate')
    .description(
      "check connector files (one, or a deployment folder's *.yaml) as the hub checks them at start, every problem of each; no hub needed (output topics are checked when a hub takes the file: PUT /connector-plugins/{type}/config/validate)",
    )
    .argument('<file-or-folder>')
    .option('--json', 'print JSON')
    .action((path: string, options: { json?: boolean }) => {
      const checks = checkDeployment(path, new Map(builtinPlugins.map((p) => [p.type, p])));
      const shown = checks.map(({ definition: _definition, message: _message, ...check }) => ({
        ...check,
        errors: check.errors.map((e) => ({ field: e.field, message: e.problem })),
        warnings: check.warnings.map((w) => ({ field: w.field, message: w.problem })),
      }));
      // No file is a failure: with --json, the empty list on stdout and the reason on stderr.
      if (checks.length === 0 && options.json)
        process.stderr.write(
          `${JSON.stringify({ errors: [{ error: 'ConfigError', message: `${path}: no connector files (*.yaml, *.yml)` }] })}\n`,
        );
      printResult(!!options.json, shown, () => {
        if (checks.length === 0) return `${path}: no connector files (*.yaml, *.yml)`;
        return checks
          .flatMap((c) => [
            `${c.file}  ${c.name ?? '(no name)'} (${c.type ?? 'no type'}): ${c.errors.length ? `${c.errors.length} problem${c.errors.length > 1 ? 's' : ''}` : 'ok'}`,
            ...c.errors.map((e) => `  ${e.field ? `${e.field}: ` : ''}${e.problem}`),
            ...c.warnings.map((w) => `  warning: ${w.field}: ${w.problem}`),
          ])
          .join('\n');
      });
      if (checks.some((c) => c.errors.length > 0) || checks.length === 0) process.exitCode = 1;
    });

  sub('plugins', 'the connector types this hub runs').action(async (options: Options) => {
    const { body } = await callHub(options, 'GET', '/connector-plugins');
    const plugins = body as Array<{ type: string; kind: string; description: string }>;
    printResult(!!options.json, plugins, () =>
      plugins.map((p) => `${p.type.padEnd(32)} ${p.kind.padEnd(6)} ${p.description}`).join('\n'),
    );
  });
}
