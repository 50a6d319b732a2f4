import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { encodingProblem, readers, writers } from '../../formats/index.ts';
import { ConfigError, errorMessage, type FieldProblem, firstLineOf } from '../../lib/errors.ts';
import { shownPath } from '../../lib/shown-path.ts';
import { isTimeZone } from '../../lib/time-zone.ts';
import { parseYamlText } from '../../lib/yaml-text.ts';
import { fieldPath, keysAt, meant, strippedKeys, zodProblems } from '../../lib/zod-problems.ts';
import { findMapping } from '../../mappings/index.ts';
import { canonicalSchemas } from '../../schemas/catalog.ts';
import type { ConnectorPlugin } from '../sdk/index.ts';
import { DEFAULT_RESTART_POLICY } from './auto-restart.ts';
import { blankSecrets, literalSecretWarnings, resolveSecrets } from './secrets.ts';

/** What a wrong `retryTimeoutMs` is told ("Too small: expected number to be >=-1" said neither the unit nor -1's sense). */
const RETRY_TIMEOUT_EXPECTED =
  'milliseconds, a whole number (600000: ten minutes), or -1 to retry until the record is applied';

/**
 * A connector as a deployment declares it: one YAML file per connector, the runtime's common fields and the
 * plugin's own `config`. Validated at start and at every API call; an error names the file and the field.
 */
export const connectorDefinition = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lower-case letters, digits, ".", "_" and "-", at most 100')
      .describe(
        'Unique name of the connector in the deployment; used in the API, metrics, offsets and dead letters.',
      ),
    type: z
      .string()
      .describe('Connector type (a plugin of `GET /connector-plugins`), e.g. `sap-idoc-file-source`.'),
    format: z
      .string()
      .optional()
      .describe(
        "Sources: the document format read (formats/), e.g. `sap-idoc-orders05`; default: the plugin's.",
      ),
    encoding: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Sources: the character set of documents whose format declares none (X12, CSV, JSON), e.g. `iso-8859-1` or `windows-1252` for a partner that does not send UTF-8; default UTF-8. Refused for formats that declare their own (EDIFACT UNB); for SAP IDocs it names a flat file’s (IDoc XML is read as its declaration says). A file that is valid UTF-8 and not all ASCII is read as UTF-8 under a single-byte set (its ü would otherwise come out as Ã¼).',
      ),
    mapping: z
      .string()
      .optional()
      .describe(
        'The mapping file to use: a path relative to the deployment folder, or to `mappings/` for the shipped ones (e.g. `sap/idoc-orders05.to-canonical.yaml`). Sources: to-canonical; sinks: from-canonical. Default: the one shipped mapping of the format, refused when there are several.',
      ),
    timeZone: z
      .string()
      .refine(isTimeZone, { error: 'not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)' })
      .optional()
      .describe(
        "The partner's or the system's IANA time zone (e.g. `Europe/Berlin`): sources read the local dates and times its documents write without a zone (IDocs, EDI, Odoo) in it, sinks write dates and times for it (SAP's DATUM, Salesforce's date fields); over the mapping's own `options.timeZone`, so no copy of a mapping per zone is needed. Default: the mapping's (UTC in the shipped ones).",
      ),
    mappingsBySender: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'Sources serving several partners: a mapping per sender id (ISA06, UNB sender, SNDPRN); others use `mapping`.',
      ),
    topics: z
      // `topics: canonical.customer` said only "expected array, received string".
      .array(z.string(), { error: 'a list of topics, e.g. [canonical.customer] for one' })
      .optional()
      .describe("Sinks: the canonical topics consumed; default: the plugin's."),
    retryTimeoutMs: z
      .number({ error: RETRY_TIMEOUT_EXPECTED })
      .int({ error: RETRY_TIMEOUT_EXPECTED })
      .min(-1, { error: RETRY_TIMEOUT_EXPECTED })
      .optional()
      .describe(
        "Sinks: how long a record whose write fails retriably (the target down, 429, 5xx, a timeout) is retried before it goes to `dlq.sink`; -1 (the default) retries until it is applied, as Kafka Connect retries a sink's RetriableException, so that a key's records are applied in order. The partition waits behind the record meanwhile; the status (`retrying`) and sync health say so. A refusal (400, 422) is dead-lettered at once either way.",
      ),
    startAt: z
      .enum(['earliest', 'latest'], { error: 'earliest or latest' })
      .optional()
      .describe(
        "Sinks: where the sink starts on a partition its consumer group has no committed offset for (Kafka's `auto.offset.reset`): `earliest` (the default, as Kafka Connect's sinks) applies every record the topics hold, `latest` only those written after it started (its start is committed at once, so a restart before its first record skips nothing). Once it has committed offsets it resumes from them either way; `eai connectors offsets <name> --reset` deletes them, and the next start goes by `startAt` again.",
      ),
    restart: z
      .object({
        enabled: z
          .boolean()
          .default(DEFAULT_RESTART_POLICY.enabled)
          .describe(
            'false: a failed connector stays FAILED until an operator restarts it, whatever the error.',
          ),
        initialDelayMs: z
          .number()
          .int()
          .min(10)
          .default(DEFAULT_RESTART_POLICY.initialDelayMs)
          .describe('The wait before the first restart, in ms; doubled with each restart.'),
        maxDelayMs: z
          .number()
          .int()
          .min(10)
          .default(DEFAULT_RESTART_POLICY.maxDelayMs)
          .describe('The longest wait between restarts, in ms.'),
        resetAfterMs: z
          .number()
          .int()
          .min(0)
          .default(DEFAULT_RESTART_POLICY.resetAfterMs)
          .describe('How long it must run without failing, in ms, before the restarts count from 0 again.'),
      })
      .strict()
      .optional()
      .describe(
        'How a connector that failed with a transient error (a Kafka broker restarting, a system unreachable: an error that says a retry can help) is restarted by itself, through the same path as `eai connectors restart`: after 1 s, doubling up to 5 min, the count reset after 10 min of running. A configuration error or one a retry cannot help stays FAILED. A pause, stop, restart or delete cancels a pending restart.',
      ),
    outputTopics: z
      .record(z.string(), z.string().min(1))
      .optional()
      .describe(
        "Sources: a topic per canonical schema full name (`eai.canonical.SalesOrderEvent`) instead of the schema's canonical topic, for a tenant, a test or a benchmark; the topic must exist (checked when the connector is written; one deleted while it runs fails it, naming the topic).",
      ),
    state: z
      .enum(['RUNNING', 'PAUSED', 'STOPPED'])
      .default('RUNNING')
      .describe(
        'Target state at deployment: RUNNING, PAUSED (tasks idle) or STOPPED (no tasks; offsets may be changed).',
      ),
    config: z
      .record(z.string(), z.unknown())
      .default({})
      .describe(
        "The plugin's own options (see docs/connectors.md); secrets as references, `$" +
          '{env:NAME}` or `$' +
          '{file:path}`.',
      ),
  })
  .strict();

export type ConnectorDefinition = z.output<typeof connectorDefinition>;

/** `where: field: problem; field: problem`, each field also in `fields` (the admin API's 400 details). */
function fieldsError(where: string, fields: FieldProblem[]): ConfigError {
  return new ConfigError(`${where}: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}`, { fields });
}

/** The formats a definition may name: those read (sources) and those written (sinks). */
function formatNames(): string[] {
  return [...new Set([...readers, ...writers].map((f) => f.name))];
}

/**
 * The plugin's options of a definition, its references resolved and checked against the plugin's schema: a wrong
 * value or an option the plugin does not have (a misspelt one would be dropped unread) is a ConfigError naming the
 * field. At deployment and again when a stored definition starts (it may have been stored by an older version).
 */
export function pluginConfig(
  plugin: ConnectorPlugin,
  definition: Pick<ConnectorDefinition, 'type' | 'config'>,
  baseDir: string,
  where: string,
  mapped: { outputFormat?: string } = {},
): unknown {
  const { config, problems } = checkPluginConfig(plugin, definition, baseDir);
  if (problems.length === 0) problems.push(...mappedConfigProblems(plugin, config, mapped));
  if (problems.length > 0) throw fieldsError(where, problems);
  return config;
}

/** The plugin's own check of its options against the definition's mapping (`checkConfig`), named under `config.`. */
function mappedConfigProblems(
  plugin: ConnectorPlugin,
  config: unknown,
  mapped: { outputFormat?: string },
): FieldProblem[] {
  return (plugin.checkConfig?.(config, mapped) ?? []).map((p) => ({
    field: fieldPath(p.field.split('.'), 'config'),
    problem: p.problem,
  }));
}

/**
 * The plugin's options and every problem with them at once: references that do not resolve, wrong values, and
 * options the plugin does not have (also beside wrong values, so that one answer names a misspelt option too).
 */
function checkPluginConfig(
  plugin: ConnectorPlugin,
  definition: Pick<ConnectorDefinition, 'type' | 'config'>,
  baseDir: string,
): { config?: unknown; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  // References (`${env:…}`, `${file:…}`) may stand in any field, a URL or a folder as well as a secret: the plugin's
  // schema checks what they resolve to, here at start, so a missing variable is named before anything runs.
  let resolved: unknown;
  try {
    resolved = resolveSecrets(definition.config, baseDir, 'config');
  } catch (error) {
    problems.push(
      ...(error instanceof ConfigError && error.fields.length > 0
        ? error.fields
        : [{ field: 'config', problem: errorMessage(error) }]),
    );
  }
  // A secret of nothing but whitespace (written so, or a blank variable or file) is refused, whatever the plugin.
  const blank = resolved === undefined ? [] : blankSecrets(definition.config, resolved, 'config');
  problems.push(...blank);
  // Unresolved, the values are not checked (a reference is no number), only the options' names.
  const config = resolved === undefined ? undefined : plugin.config.safeParse(resolved);
  if (config && !config.success)
    problems.push(
      ...zodProblems(config.error, 'config', plugin.config)
        .filter((p) => !blank.some((b) => b.field === p.path))
        .map((p) => ({ field: p.path, problem: p.message })),
    );
  const unknown = config?.success
    ? strippedKeys(resolved, config.data)
    : unknownKeys(resolved ?? definition.config, plugin.config).filter(
        (parts) => !problems.some((p) => p.field === fieldPath(parts.slice(0, -1), 'config')),
      );
  for (const parts of unknown) {
    const hint = meant(String(parts.at(-1)), keysAt(plugin.config, parts.slice(0, -1)));
    problems.push({
      field: fieldPath(parts, 'config'),
      problem: `not an option of ${definition.type}${hint ? `; ${hint}` : ''} (docs/connectors.md)`,
    });
  }
  return { config: config?.success ? config.data : undefined, problems };
}

/**
 * The keys of `input` that no object of `schema` at their place has, for a config that did not parse (so zod's output
 * cannot say which keys it dropped). A union's options count together, so a key of another option is not named here.
 */
function unknownKeys(
  input: unknown,
  schema: ConnectorPlugin['config'],
  parts: ReadonlyArray<string | number> = [],
): Array<Array<string | number>> {
  if (Array.isArray(input)) return input.flatMap((item, i) => unknownKeys(item, schema, [...parts, i]));
  if (typeof input !== 'object' || input === null) return [];
  const known = keysAt(schema, parts);
  return Object.entries(input).flatMap(([key, value]) =>
    known.length > 0 && !known.includes(key)
      ? [[...parts, key]]
      : unknownKeys(value, schema, [...parts, key]),
  );
}

/** `type: unknown connector type "file-snk"; did you mean "file-sink"? known: …`. */
function unknownType(type: string, plugins: ReadonlyMap<string, ConnectorPlugin>): FieldProblem {
  const known = [...plugins.keys()];
  const hint = meant(type, known);
  return {
    field: 'type',
    problem: `unknown connector type "${type}"; ${hint ? `${hint} ` : ''}known: ${known.join(', ')}`,
  };
}

function unknownFormat(format: string): FieldProblem {
  const hint = meant(format, formatNames());
  return {
    field: 'format',
    problem: `unknown format "${format}"; ${hint ? `${hint} ` : ''}known: ${formatNames().join(', ')}`,
  };
}

/**
 * Checks a definition against the common schema and its plugin's; `where` names the file or request. Every problem
 * is named at once (a wrong common field, the plugin's options, the format, the mappings), not the first one only.
 */
export function validateDefinition(
  raw: unknown,
  plugins: ReadonlyMap<string, ConnectorPlugin>,
  where: string,
  baseDir?: string,
): ConnectorDefinition {
  const base = baseDir ?? process.cwd();
  const problems: FieldProblem[] = [];
  const parsed = connectorDefinition.safeParse(raw);
  if (!parsed.success) {
    problems.push(
      ...zodProblems(parsed.error, '', connectorDefinition).map((p) => ({
        field: p.path,
        problem: p.message,
      })),
    );
    // The plugin's options, the type and the format are still checked when a common field is wrong, if they can be
    // read: a misspelt key (`startat:`) hid an unknown format or connector type until it was corrected.
    const {
      type,
      format,
      config = {},
    } = (raw ?? {}) as { type?: unknown; format?: unknown; config?: unknown };
    const plugin = typeof type === 'string' ? plugins.get(type) : undefined;
    if (typeof type === 'string' && !plugin) problems.push(unknownType(type, plugins));
    if (typeof format === 'string' && !formatNames().includes(format)) problems.push(unknownFormat(format));
    if (plugin && typeof config === 'object' && config !== null && !Array.isArray(config))
      problems.push(
        ...checkPluginConfig(
          plugin,
          { type: type as string, config: config as Record<string, unknown> },
          base,
        ).problems,
      );
    throw fieldsError(where, problems);
  }
  const definition = parsed.data;
  const plugin = plugins.get(definition.type);
  if (!plugin) {
    problems.push(unknownType(definition.type, plugins));
    if (definition.format !== undefined && !formatNames().includes(definition.format))
      problems.push(unknownFormat(definition.format));
    throw fieldsError(where, problems);
  }
  const checked = checkPluginConfig(plugin, definition, base);
  problems.push(...checked.problems);
  const knownFormat = definition.format === undefined || formatNames().includes(definition.format);
  if (!knownFormat) problems.push(unknownFormat(definition.format!));
  if (plugin.requiresMapping && definition.mapping === undefined && plugin.defaults?.mapping === undefined) {
    problems.push({
      field: 'mapping',
      problem: `required for ${definition.type}: the from-canonical mapping that says what it writes (e.g. csv/customer-table.from-canonical.yaml)`,
    });
  }
  // A named mapping is found (and compiled) here, so a misspelt one stops the deployment instead of sending every
  // document to dlq.mapping.
  // The sender a reader names is trimmed (ISA06 without its padding to 15 characters): a key written with the
  // padding, copied from the file, never matched, and that sender's documents took `mapping` without a word.
  for (const sender of Object.keys(definition.mappingsBySender ?? {})) {
    if (sender.trim() !== sender || sender === '') {
      problems.push({
        field: `mappingsBySender.${sender}`,
        problem: `senders are matched without spaces around them (ISA06 without its padding): write ${JSON.stringify(sender.trim())}`,
      });
    }
  }
  const named = [
    ['mapping', definition.mapping],
    ...Object.entries(definition.mappingsBySender ?? {}).map(([sender, ref]) => [
      `mappingsBySender.${sender}`,
      ref,
    ]),
  ];
  // A source maps documents to canonical records, a sink canonical records to documents: a mapping the other way
  // round would be passed over (sources) or fail on every record (sinks).
  const direction = plugin.kind === 'source' ? 'to-canonical' : 'from-canonical';
  const documentFormat = knownFormat ? (definition.format ?? plugin.defaults?.format) : undefined;
  // What a sink's mapping writes, for the plugin's check of its options against it (`checkConfig`).
  let outputFormat: string | undefined;
  for (const [field, ref] of named) {
    if (ref === undefined) continue;
    let mapping: ReturnType<typeof findMapping>;
    try {
      mapping = findMapping(ref, base);
    } catch (error) {
      problems.push({ field: field!, problem: errorMessage(error) });
      continue;
    }
    if (mapping.direction !== direction) {
      problems.push({
        field: field!,
        problem: `"${ref}" maps ${mapping.direction}, and a ${plugin.kind} (${definition.type}) needs a ${direction} mapping`,
      });
    } else if (
      direction === 'to-canonical' &&
      documentFormat !== undefined &&
      mapping.spec.input !== documentFormat
    ) {
      // mappingChooser takes a named mapping only for documents of its own input format: this one would be passed
      // over for every document, each then mapped with the format's shipped mapping instead, without a word.
      problems.push({
        field: field!,
        problem: `"${ref}" reads ${mapping.spec.input}, and this connector's documents are ${documentFormat}: name a mapping whose input is ${documentFormat}`,
      });
    } else if (direction === 'from-canonical' && !writers.some((w) => w.name === mapping.spec.output)) {
      // It would fail on every record, each dead-lettered, instead of at deployment.
      problems.push({
        field: field!,
        problem: `"${ref}" writes format ${mapping.spec.output}, which has no writer; formats with writers: ${writers.map((w) => w.name).join(', ')}`,
      });
    } else if (direction === 'from-canonical' && field === 'mapping') {
      outputFormat = mapping.spec.output;
    }
  }
  // The plugin's own check of its options against what its mapping writes, once the options themselves are right.
  if (checked.problems.length === 0)
    problems.push(...mappedConfigProblems(plugin, checked.config, { outputFormat }));
  if (plugin.kind === 'source' && definition.retryTimeoutMs !== undefined) {
    problems.push({
      field: 'retryTimeoutMs',
      problem: `only a sink retries a record's write; a source (${definition.type}) retries its reads by itself (its config)`,
    });
  }
  if (plugin.kind === 'source' && definition.startAt !== undefined) {
    problems.push({
      field: 'startAt',
      problem: `only a sink starts on topics; a source (${definition.type}) goes on from its own positions (eai connectors offsets)`,
    });
  }
  // A key that is no canonical schema's full name matches no record: its records went to the canonical topic
  // instead, unsaid (seen in the ops trial with `SalesOrderEvent:`, whose orders reached canonical.sales-order).
  for (const schema of Object.keys(definition.outputTopics ?? {})) {
    if (canonicalSchemas.some((s) => s.fullName === schema)) continue;
    const meantSchema = canonicalSchemas.find(
      (s) => s.name === schema || s.fullName.toLowerCase() === schema.toLowerCase(),
    );
    problems.push({
      field: `outputTopics[${JSON.stringify(schema)}]`,
      problem: meantSchema
        ? `name the schema by its full name: "${meantSchema.fullName}"`
        : `not a canonical schema's full name; known: ${canonicalSchemas.map((s) => s.fullName).join(', ')}`,
    });
  }
  if (plugin.kind === 'sink' && definition.outputTopics !== undefined) {
    problems.push({
      field: 'outputTopics',
      problem: `only a source publishes records; a sink (${definition.type}) reads the topics named in topics`,
    });
  }
  if (plugin.kind === 'sink' && (definition.topics ?? plugin.defaults?.topics ?? []).length === 0) {
    problems.push({
      field: 'topics',
      problem: `the ${definition.type} sink consumes the topics it is given; name at least one (e.g. [canonical.customer])`,
    });
  }
  const format = definition.format ?? plugin.defaults?.format;
  if (definition.encoding !== undefined && knownFormat) {
    const problem = format
      ? encodingProblem(format, definition.encoding)
      : 'name the format (format:) whose documents are in this character set';
    if (problem) problems.push({ field: 'encoding', problem });
  }
  if (problems.length > 0) throw fieldsError(where, problems);
  return definition;
}

/** What `checkDeployment` found in one connector file. */
export interface DeploymentFileCheck {
  file: string;
  name: string | null;
  type: string | null;
  /** Its definition when it has no problem. */
  definition?: ConnectorDefinition;
  errors: FieldProblem[];
  /** Allowed but unwise (a secret written out). */
  warnings: FieldProblem[];
  /** The errors as `eai up` says them: `<file>: field: problem; …`. */
  message?: string;
}

/** A file that holds no definition to check: its one problem, of the whole file. */
function unreadable(file: string, problem: string): DeploymentFileCheck {
  return {
    file,
    name: null,
    type: null,
    errors: [{ field: '', problem }],
    warnings: [],
    message: `${file}: ${problem}`,
  };
}

/**
 * Every `*.yaml` / `*.yml` connector file of a deployment folder (or the one file named), each checked as the hub
 * checks it at start, all of them, every problem of each named; names must be unique across them.
 */
export function checkDeployment(
  path: string,
  plugins: ReadonlyMap<string, ConnectorPlugin>,
): DeploymentFileCheck[] {
  let dir = path;
  let files: string[];
  try {
    if (statSync(path).isFile()) {
      dir = dirname(path);
      files = [basename(path)];
    } else
      files = readdirSync(path)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `${path}: no such connector file or deployment folder`
        : `${path} cannot be read: ${(error as Error).message}`,
    );
  }
  const seen = new Map<string, string>();
  return files.map((name) => {
    const file = join(dir, name);
    const shown = shownPath(file);
    let raw: unknown;
    try {
      raw = parseYamlText(readFileSync(file, 'utf8'));
    } catch (error) {
      return unreadable(shown, `not readable YAML: ${firstLineOf(error)}`);
    }
    // Not a mapping at all (a file emptied, one of comments only, a list, a document given by mistake, which YAML
    // reads as one string or number): said so, not zod's "expected object".
    const shape =
      raw == null
        ? 'is empty or only comments'
        : Array.isArray(raw)
          ? 'is a list'
          : typeof raw !== 'object'
            ? `is not a connector file (YAML reads it as one ${typeof raw})`
            : undefined;
    if (shape)
      return unreadable(
        shown,
        `${shape}: a connector file holds one YAML mapping with name, type and config (docs/connectors.md)`,
      );
    const { name: given, type } = raw as { name?: unknown; type?: unknown };
    const check: DeploymentFileCheck = {
      file: shown,
      name: typeof given === 'string' ? given : null,
      type: typeof type === 'string' ? type : null,
      errors: [],
      warnings: [],
    };
    try {
      check.definition = validateDefinition(raw, plugins, shown, dir);
      check.warnings = literalSecretWarnings(check.definition);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      check.errors = error.fields.length ? [...error.fields] : [{ field: '', problem: errorMessage(error) }];
      check.message = errorMessage(error);
      return check;
    }
    const other = seen.get(check.definition.name);
    if (other) {
      const problem = `"${check.definition.name}" is already used by ${other}`;
      check.errors = [{ field: 'name', problem }];
      check.message = `${shown}: name: ${problem}`;
      check.definition = undefined;
    } else seen.set(check.definition.name, shown);
    return check;
  });
}

/** Every `*.yaml` / `*.yml` connector file of a deployment folder, validated; names must be unique. */
export function loadDeployment(
  dir: string,
  plugins: ReadonlyMap<string, ConnectorPlugin>,
): Array<ConnectorDefinition & { file: string }> {
  const checks = checkDeployment(dir, plugins);
  const [wrong, ...others] = checks.filter((c) => c.message);
  if (wrong) {
    // One line for the first file; the others are named, so that fixing it does not meet the next at the next start.
    const more = others.length
      ? ` (and ${others.length} more file${others.length > 1 ? 's' : ''} with problems: ${others.map((c) => c.file).join(', ')}; npx eai connectors validate ${shownPath(dir)} names every problem)`
      : '';
    throw new ConfigError(`${wrong.message ?? wrong.file}${more}`, { fields: wrong.errors });
  }
  return checks.map((c) => ({ ...(c.definition as ConnectorDefinition), file: c.file }));
}
