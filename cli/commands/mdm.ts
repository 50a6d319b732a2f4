import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { CSV_FORMAT } from '../../formats/csv/index.ts';
import { encodingProblem } from '../../formats/index.ts';
import { ConfigError } from '../../lib/errors.ts';
import { findMapping } from '../../mappings/index.ts';
import {
  customerFile,
  decidePair,
  type Erasure,
  eraseCustomer,
  erasureById,
  erasureOfGolden,
  inWords,
  type LoadProgress,
  loadJsonLines,
  loadMdmConfig,
  loadTable,
  MasterDataStore,
  mergeGolden,
  modelYaml,
  parseMdmConfig,
  publishErasure,
  type RematchProgress,
  readLabels,
  reconcile,
  refuseWorkbook,
  rematch,
  searchCustomers,
  storedMdmConfig,
  trainOnStored,
  unmergeById,
  type WriteBackEntry,
  writeBackHistory,
  writeModel,
} from '../../masterdata/index.ts';
import { resolveEndpoints } from '../../stack/stack.ts';
import { createPool } from '../../store/pool.ts';
import { postgresProblem } from '../../store/probe.ts';
import { connectBus } from '../endpoints.ts';
import { printResult } from '../output.ts';

/**
 * `eai mdm`: customer master data straight on PostgreSQL (no hub needed): load a system's customers and match
 * them into golden records, export the cross-reference.
 */
interface StoreOptions {
  config?: string;
  schema: string;
  json?: boolean;
}

/**
 * The store of `--schema`, migrated. Only the commands that bring records (`create`: load, reconcile --repair)
 * make a schema that is not there; the others refuse it in one line, so a misspelt --schema is not an empty store.
 */
async function openStore(options: StoreOptions, create = false): Promise<MasterDataStore> {
  let config = loadMdmConfig(options.config);
  const { databaseUrl } = resolveEndpoints();
  if (!databaseUrl)
    throw new ConfigError('no database: set DATABASE_URL, or start the stack (npx eai stack up)');
  const problem = await postgresProblem(databaseUrl, 5000);
  if (problem) throw new ConfigError(problem);
  // A connection that breaks (PostgreSQL restarted) is dropped; unheard, it would end the command with pg's stack
  // trace instead of the next query's one-line error.
  const pool = createPool({ connectionString: databaseUrl, max: 4 }, () => undefined);
  // Without --config, the rules of the hub that runs this schema (saved at its start), not the defaults: a steward's
  // decide or merge recomputes golden records as the hub would.
  const stored = options.config ? undefined : await storedMdmConfig(pool, options.schema);
  if (stored !== undefined)
    config = parseMdmConfig(
      stored,
      `the master data config the hub saved in schema ${options.schema} (settings; --config overrides it)`,
    );
  const store = new MasterDataStore({ pool, schema: options.schema, config });
  const found = await store.pool
    .query('select 1 from pg_namespace where nspname = $1', [options.schema])
    .catch(async (error: Error) => {
      await store.close();
      throw error;
    });
  if (!create) {
    if (found.rowCount === 0) {
      await store.close();
      throw new ConfigError(
        `no master data in schema ${options.schema}: eai mdm load creates it (or name another with --schema)`,
      );
    }
  }
  // Re-indexing a million records takes minutes: a line a second meanwhile (none for a quick one, none with --json).
  let said = Date.now();
  const applied = await store.migrate((step, done) => {
    if (options.json || Date.now() - said < 1_000) return;
    said = Date.now();
    process.stderr.write(`eai mdm: schema ${options.schema} migrating: ${done} ${step} so far\n`);
  });
  // A schema an older version made is migrated by whichever runs first, this command or the hub: said, as the hub
  // says it (a new schema's migrations are its making, not news).
  if (found.rowCount !== 0 && applied.length > 0 && !options.json)
    process.stderr.write(`eai mdm: schema ${options.schema} migrated: ${applied.join(', ')}\n`);
  return store;
}

function withStoreOptions(command: Command): Command {
  return command
    .option('--config <file>', 'master data config (YAML: thresholds, email policy, survivorship, model)')
    .option(
      '--schema <name>',
      'PostgreSQL schema of the master data (EAI_MDM_SCHEMA; `eai demo` prints its own)',
      process.env.EAI_MDM_SCHEMA ?? 'mdm',
    );
}

const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * The golden value a lineage entry names: a field's; for an address use added from another member than the
 * winner (`addresses[SHIPPING]`) that use's address, so `addresses` shows the winner's own ones; for a part of an
 * address filled from another member's address of the same place (`addresses[BILLING].lines`) that part.
 */
export function lineageValue(
  record: object | null | undefined,
  lineage: object | null | undefined,
  key: string,
): unknown {
  type Use = { use?: string | null };
  const addresses: Use[] = (record as { addresses?: Use[] } | null)?.addresses ?? [];
  const [, use, part] = /^addresses\[(\w+)\](?:\.(\w+))?$/.exec(key) ?? [];
  if (use && part)
    return (addresses.find((a) => a.use === use) as Record<string, unknown> | undefined)?.[part];
  if (use) return addresses.find((a) => a.use === use);
  if (key !== 'addresses') return (record as Record<string, unknown> | undefined)?.[key];
  const added = (a: Use) => !!a.use && `addresses[${a.use}]` in (lineage ?? {});
  return addresses.filter((a) => !added(a));
}

/** A write-back in `eai mdm show`'s history: when, to which system and record, which fields (never the values). */
export function writeBackLine(w: WriteBackEntry): string {
  const to = w.sourceId === null ? `${w.system} (by golden id ${w.goldenId})` : `${w.system} ${w.sourceId}`;
  return `  history ${w.at.toISOString()} written back to ${to}: ${w.fields.join(', ')} (lost survivorship)`;
}

/**
 * A merge, split or unmerge in `eai mdm show`'s history: its number (for `eai mdm unmerge`), what it took in, when
 * and who did it (`steward:<actor>`, `matcher`, `rematch`, an unmerge's actor), as write-backs say when. Without
 * them a steward could not tell a merge the matcher made from one a colleague made, nor when.
 */
export function historyLine(h: {
  id: number;
  kind: string;
  absorbed: string[];
  at: Date;
  actor: string;
  undoneBy: number | null;
}): string {
  const absorbed = h.absorbed.length ? ` of ${h.absorbed.join(', ')}` : '';
  const undone = h.undoneBy ? ` (undone by #${h.undoneBy})` : '';
  return `  history #${h.id} ${h.at.toISOString()} ${h.kind}${absorbed} by ${h.actor}${undone}`;
}

/** A link that holds two members together in `eai mdm show`: its score, or who accepted it and when. */
export function linkLine(l: {
  a: { system: string; sourceId: string };
  b: { system: string; sourceId: string };
  status: string;
  probability: number;
  decidedBy?: string | null;
  decidedAt?: Date | null;
}): string {
  const how =
    l.status === 'accepted'
      ? `accepted by ${l.decidedBy ?? 'a steward'}${l.decidedAt ? ` at ${l.decidedAt.toISOString()}` : ''}`
      : `scored ${l.probability.toFixed(3)}`;
  return `  link   ${l.a.system} ${l.a.sourceId} ~ ${l.b.system} ${l.b.sourceId}  ${how}`;
}

/**
 * A golden field's value on one line for `eai mdm show`: text and numbers as they are, a list item by item, an object
 * by its text leaves (a person's names, an address's lines, city and country; flags such as `primary` left out).
 */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.map(valueText).join('; ') || '-';
  if (typeof value === 'object') {
    const leaves = Object.values(value)
      .filter((v) => typeof v !== 'boolean' && v !== null && v !== undefined)
      .map(valueText);
    return leaves.join(' ') || '-';
  }
  return String(value);
}

function progressLine(p: LoadProgress, startedAt: number): string {
  const seconds = (Date.now() - startedAt) / 1000;
  const percent = p.totalLines ? Math.floor((p.lines / p.totalLines) * 100) : 100;
  return `loaded ${p.lines}/${p.totalLines} (${percent} %), new ${p.counts.new}, merged ${p.counts.merged}, review ${p.counts.review}${p.counts.rejected ? `, set aside ${p.counts.rejected}` : ''}, ${seconds.toFixed(0)} s`;
}

/** `kunden.csv` → `kunden.rejects.csv` beside it: the rejects keep the input's format, so they load once fixed. */
export function rejectsFileFor(input: string): string {
  const ext = extname(input);
  return join(dirname(input), `${basename(input, ext)}.rejects${ext || '.jsonl'}`);
}

export function registerMdmCommand(program: Command): void {
  const mdm = program.command('mdm').description('customer master data: match, merge, cross-reference');

  withStoreOptions(
    mdm
      .command('load <system>')
      .description(
        "load a system's customers (JSON lines, one canonical Customer per line, or CSV with --mapping) and match them into golden records; resumable",
      )
      .requiredOption(
        '--input <file>',
        'JSON lines file (the customer value of a CustomerEvent per line; or a JSON array, as eai map prints), or a CSV table with --mapping',
      )
      .option(
        '--mapping <file>',
        'for a CSV: a mapping of its columns to canonical customers (start from mappings/csv/customer-table.to-canonical.yaml)',
      )
      .option(
        '--encoding <charset>',
        "a CSV table's character set when it is not UTF-8 (windows-1252, iso-8859-1: Excel's and many ERPs' exports)",
      )
      .option('--batch <n>', 'records per transaction', '500')
      .option(
        '--rejects <file>',
        'where lines or rows that cannot be read or mapped are set aside, as the input has them (default: <input name>.rejects.<ext> beside it)',
      )
      .option('--max-rejects <n>', 'stop after this many set aside (0: stop at the first)', '100')
      .option(
        '--again',
        'load from the first line even if this file (same content and mapping) was loaded before or a load of it stopped',
      )
      .option('--json', 'print the summary as JSON'),
  ).action(
    async (
      system: string,
      options: StoreOptions & {
        input: string;
        mapping?: string;
        encoding?: string;
        batch: string;
        rejects?: string;
        maxRejects: string;
        again?: boolean;
        json?: boolean;
      },
    ) => {
      if (!/^[a-z][a-z0-9:_-]*$/i.test(system))
        throw new ConfigError(`system must be a name like sap or edi:ACME, got "${system}"`);
      if (!/^\d+$/.test(options.batch) || Number(options.batch) < 1)
        throw new ConfigError('--batch must be a positive integer');
      if (!/^\d+$/.test(options.maxRejects))
        throw new ConfigError(
          '--max-rejects must be a whole number (0: stop at the first line that cannot be loaded)',
        );
      if (/\.(csv|tsv)$/i.test(options.input) && !options.mapping)
        throw new ConfigError(
          `${options.input} is a table: name the mapping of its columns with --mapping <file> (start from mappings/csv/customer-table.to-canonical.yaml)`,
        );
      checkEncoding(options);
      const mapping = options.mapping ? findMapping(options.mapping, process.cwd()) : undefined;
      // The input before the database: a folder, a missing file or a workbook was refused only once the schema had
      // been made (a stray, empty --schema left behind), and without a database the error was about that instead.
      await refuseWorkbook(options.input);
      const store = await openStore(options, true);
      const startedAt = Date.now();
      let lastPrinted = 0;
      try {
        const loadOptions = {
          batchSize: Number(options.batch),
          rejectsFile: options.rejects ?? rejectsFileFor(options.input),
          maxRejects: Number(options.maxRejects),
          encoding: options.encoding,
          again: options.again,
          onProgress: (p: LoadProgress) => {
            if (options.json || Date.now() - lastPrinted < 1000) return;
            lastPrinted = Date.now();
            process.stderr.write(`${progressLine(p, startedAt)}\n`);
          },
        };
        const summary = mapping
          ? await loadTable(store, system, options.input, mapping, loadOptions)
          : await loadJsonLines(store, system, options.input, loadOptions);
        const stats = await store.stats();
        const result = { ...summary, goldenRecords: stats.golden, reviewQueue: stats.review };
        printResult(!!options.json, result, () =>
          [
            summary.alreadyLoaded
              ? `${system}: ${summary.input} was loaded before (same content and mapping), nothing done; --again loads it again. That load:`
              : `${system}: ${summary.lines} records from ${summary.input}${summary.resumedFrom ? ` (resumed after ${summary.resumedFrom})` : ''}`,
            `  new golden records  ${summary.counts.new}`,
            `  merged into one     ${summary.counts.merged}`,
            `  under review        ${summary.counts.review}`,
            `  updated / unchanged ${summary.counts.updated} / ${summary.counts.unchanged}`,
            ...(summary.counts.erased
              ? [`  erased, not loaded  ${summary.counts.erased} (right to be forgotten)`]
              : []),
            ...(summary.counts.rejected
              ? [
                  `  set aside           ${summary.counts.rejected} in ${summary.rejectsFile ?? loadOptions.rejectsFile} (fix them there and load that file)`,
                  ...summary.rejected.slice(0, 10).map((r) => `    line ${r.line}: ${r.reason}`),
                  ...(summary.rejected.length > 10
                    ? [`    … ${summary.rejected.length - 10} more (--json lists them all)`]
                    : []),
                ]
              : []),
            `  now ${stats.golden} golden records, ${stats.review} pairs in the steward queue${summary.alreadyLoaded ? '' : `; ${summary.recordsPerSecond.toFixed(0)} records/s`}`,
          ].join('\n'),
        );
        // Loaded, but not all of it: a script sees it (as SQL*Loader's EX_WARN).
        if (summary.counts.rejected > 0) process.exitCode = 2;
      } finally {
        await store.close();
      }
    },
  );

  withStoreOptions(
    mdm
      .command('train')
      .description(
        "learn the matching model (m and u of every comparison) from the schema's records: by EM on a sample of them, or from labels (--labels); writes it into a config file's model",
      )
      .option(
        '--labels <file>',
        'CSV with system,source_id,entity: records of one customer share an entity (eai mdm export --xref with its golden_id column corrected is one)',
      )
      .option('--sample <n>', 'EM: records trained on (an order random but the same each run)', '20000')
      .option(
        '--write <config.yaml>',
        'set model in this config file (made if absent; its other settings and comments kept) instead of printing it',
      )
      .option('--json', 'print the summary and model as JSON'),
  ).action(
    async (options: StoreOptions & { labels?: string; sample: string; write?: string; json?: boolean }) => {
      if (!/^\d+$/.test(options.sample) || Number(options.sample) < 1)
        throw new ConfigError('--sample must be a positive integer');
      const labels = options.labels ? readLabels(options.labels) : undefined;
      const store = await openStore(options);
      try {
        if (!options.json) process.stderr.write(`training on schema ${options.schema}…\n`);
        const summary = await trainOnStored(store, { sample: Number(options.sample), labels });
        if (options.write) writeModel(options.write, summary.model);
        const next = options.write
          ? `model written to ${options.write}: start the hub with it (eai up --masterdata ${options.write}), then npx eai mdm rematch --schema ${options.schema} applies it to the stored records`
          : undefined;
        printResult(
          !!options.json,
          { ...summary, ...(options.write ? { written: options.write } : {}) },
          () =>
            [
              summary.method === 'em'
                ? `EM on ${summary.records} records and the ${summary.pairs} pairs blocking proposes among them`
                : `from labels: ${summary.records} records, ${summary.pairs} pairs of one customer${summary.missingCount ? `; ${summary.missingCount} labelled records not in the schema, left out (${summary.missing?.slice(0, 3).join(', ')}…)` : ''}`,
              ...(summary.kept.length
                ? [`kept as they were (no pair of these records compared them): ${summary.kept.join(', ')}`]
                : []),
              ...(next ? [next] : [modelYaml(summary.model).trimEnd()]),
            ].join('\n'),
        );
      } finally {
        await store.close();
      }
    },
  );

  withStoreOptions(
    mdm
      .command('rematch')
      .description(
        'apply the current matching rules (thresholds, email policy, blocking, model, conflicts, survivorship) to every stored record: match each again as if it arrived now; resumable',
      )
      .option('--batch <n>', 'records per transaction', '500')
      .option(
        '--again',
        'start from the first record even if these rules were applied or a rematch under them stopped',
      )
      .option(
        '--dry-run',
        'say what it would do (merges, splits, golden records, steward queue) and keep nothing: one transaction rolled back, which the live matcher waits for',
      )
      .option('--json', 'print the summary as JSON'),
  ).action(
    async (options: StoreOptions & { batch: string; again?: boolean; dryRun?: boolean; json?: boolean }) => {
      if (!/^\d+$/.test(options.batch) || Number(options.batch) < 1)
        throw new ConfigError('--batch must be a positive integer');
      const store = await openStore(options);
      const startedAt = Date.now();
      let lastPrinted = 0;
      try {
        const summary = await rematch(store, {
          batch: Number(options.batch),
          again: options.again,
          dryRun: options.dryRun,
          onProgress: (p: RematchProgress) => {
            if (options.json || Date.now() - lastPrinted < 1000) return;
            lastPrinted = Date.now();
            const percent = p.total ? Math.min(100, Math.floor((p.records / p.total) * 100)) : 100;
            process.stderr.write(
              `rematched ${p.records}/${p.total} (${percent} %), ${p.merges} merges, ${p.splits} splits, ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`,
            );
          },
        });
        printResult(!!options.json, summary, () =>
          [
            summary.dryRun
              ? `a rematch under rules ${summary.rules} would do this to ${summary.records} records (dry run: nothing kept, nothing sent):`
              : summary.alreadyApplied
                ? `these rules (${summary.rules}) were applied to every record before, nothing done; --again applies them again. That rematch:`
                : `rematched ${summary.records} records under rules ${summary.rules}${summary.resumedFrom ? ` (resumed after ${summary.resumedFrom})` : ''}`,
            `  merges                          ${summary.merges} (${summary.absorbed} golden records taken in)`,
            `  splits                          ${summary.splits}`,
            `  golden records                  ${summary.golden.before} → ${summary.golden.after}`,
            `  pairs in the steward queue      ${summary.review.before} → ${summary.review.after}`,
            ...(summary.alreadyApplied ? [] : [`  ${summary.seconds.toFixed(1)} s`]),
          ].join('\n'),
        );
      } finally {
        await store.close();
      }
    },
  );

  withStoreOptions(
    mdm
      .command('reconcile <system>')
      .description(
        "compare a system's current customers (an export) with the golden records and the xref: missing, extra, differing fields; --repair applies the export; exits 2 when drift is left (as diff exits non-zero on differences)",
      )
      .requiredOption(
        '--input <file>',
        "the system's export: JSON lines of canonical Customers, or a CSV with --mapping",
      )
      .option('--mapping <file>', 'for a CSV: the mapping of its columns to canonical customers')
      .option(
        '--encoding <charset>',
        "a CSV table's character set when it is not UTF-8 (windows-1252, iso-8859-1: Excel's and many ERPs' exports)",
      )
      .option(
        '--repair',
        'apply the export as missed events: extra and differing records matched as updates, missing ones deleted',
      )
      .option('--limit <n>', 'drift rows listed (all are counted)', '1000')
      .option('--json', 'print the report as JSON'),
  ).action(
    async (
      system: string,
      options: StoreOptions & {
        input: string;
        mapping?: string;
        encoding?: string;
        repair?: boolean;
        limit: string;
        json?: boolean;
      },
    ) => {
      if (!/^\d+$/.test(options.limit)) throw new ConfigError('--limit must be a whole number');
      if (/\.(csv|tsv)$/i.test(options.input) && !options.mapping)
        throw new ConfigError(
          `${options.input} is a table: name the mapping of its columns with --mapping <file>`,
        );
      checkEncoding(options);
      const source = customerFile(
        options.input,
        system,
        options.mapping ? findMapping(options.mapping, process.cwd()) : undefined,
        options.encoding,
      );
      const store = await openStore(options, !!options.repair);
      let lastPrinted = 0;
      try {
        const report = await reconcile(store, system, source, {
          repair: options.repair,
          limit: Number(options.limit),
          onProgress: (p) => {
            if (options.json || Date.now() - lastPrinted < 1000) return;
            lastPrinted = Date.now();
            process.stderr.write(
              `compared ${p.records}: differs ${p.counts.differs}, extra ${p.counts.extra}, same ${p.counts.same}\n`,
            );
          },
        });
        printResult(!!options.json, report, () =>
          [
            `${system}: ${report.records} records in the export, ${report.inXref} in the xref`,
            `  same      ${report.counts.same}`,
            `  differs   ${report.counts.differs}   (changed since the hub received it: --repair applies it)`,
            `  behind    ${report.counts.behind}   (as the hub has it, but without the golden values: ${
              store.config.sync.systems[system]?.push
                ? 'the sync relay sends them'
                : `the hub does not push to ${system}: set sync.systems.${system}.push in the master data config, or update them in ${system}`
            })`,
            `  extra     ${report.counts.extra}   (in the export, not in the xref)`,
            `  missing   ${report.counts.missing}   (in the xref, not in the export)`,
            `  erased    ${report.counts.erased}   (erased in the hub, still in the export: erase it in ${system} by hand, then reconcile again)`,
            ...(report.drift.length
              ? ['', 'kind     source id            golden id                  fields']
              : []),
            ...report.drift.map(
              (d) =>
                `${d.kind.padEnd(8)} ${d.sourceId.padEnd(20)} ${(d.goldenId ?? '-').padEnd(26)} ${d.erasureId ? `erasure ${d.erasureId}` : d.fields.map((f) => inWords(f, system)).join(', ')}`,
            ),
            ...(report.repaired
              ? [
                  '',
                  `repaired: ${report.repaired.updated} matched as updates, ${report.repaired.deleted} deleted`,
                  ...(report.resyncAnswered &&
                  report.resyncAnswered.records + report.resyncAnswered.entities > 0
                    ? [
                        `answered ${system}'s requests to re-read ${report.resyncAnswered.records} record(s) and ${report.resyncAnswered.entities} whole entit${report.resyncAnswered.entities === 1 ? 'y' : 'ies'} (sync health no longer names them)`,
                      ]
                    : []),
                ]
              : report.counts.differs + report.counts.extra + report.counts.missing > 0
                ? ['', 'run again with --repair to apply the export']
                : []),
            // A repair does not load them (the hub erased them): only the system's own delete ends this drift.
            ...(report.counts.erased > 0
              ? [
                  '',
                  `${report.counts.erased} erased in the hub, still in ${system}: erase ${report.counts.erased === 1 ? 'it' : 'them'} in ${system} by hand (no repair does), then reconcile again`,
                ]
              : []),
          ].join('\n'),
        );
        // Drift left (not repaired, or erased in the hub and still in the system): a script sees it.
        const left =
          (report.repaired ? 0 : report.counts.differs + report.counts.extra + report.counts.missing) +
          report.counts.erased;
        if (left > 0) process.exitCode = 2;
      } finally {
        await store.close();
      }
    },
  );

  withStoreOptions(
    mdm
      .command('export')
      .description('print the cross-reference (system, source id → golden id) of every loaded record')
      .option('--xref', 'the cross-reference (the only export today, and the default)')
      .option('--json', 'JSON lines instead of CSV'),
  ).action(async (options: StoreOptions & { xref?: boolean; json?: boolean }) => {
    const store = await openStore(options);
    try {
      if (!options.json) process.stdout.write('system,source_id,golden_id\n');
      for await (const x of store.exportXref()) {
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ system: x.system, sourceId: x.sourceId, goldenId: x.goldenId })}\n`
            : `${csvField(x.system)},${csvField(x.sourceId)},${csvField(x.goldenId)}\n`,
        );
      }
    } finally {
      await store.close();
    }
  });
  withStoreOptions(
    mdm
      .command('search <query...>')
      .description(
        'find golden records as GET /customers?q= does: by name (any word of a company name), email, phone in any form, VAT id or id',
      )
      .option('--limit <n>', 'at most this many hits', '20')
      .option('--json', 'print {kind, hits} as JSON'),
  ).action(async (words: string[], options: StoreOptions & { limit: string; json?: boolean }) => {
    const query = words.join(' ').trim();
    if (query.length < 2)
      throw new ConfigError('a search needs at least 2 characters: a name, email, phone or id');
    if (!/^[1-9]\d*$/.test(options.limit) || Number(options.limit) > 1000)
      throw new ConfigError('--limit must be a whole number from 1 to 1000');
    const store = await openStore(options);
    try {
      const result = await searchCustomers(store, query, { limit: Number(options.limit) });
      printResult(!!options.json, result, () =>
        result.hits.length === 0
          ? `no golden record found for "${query}" (read as ${result.kind})`
          : result.hits
              .map(
                (h) =>
                  `${h.probability.toFixed(3)}  ${h.goldenId}  ${h.name ?? '-'}  (${h.matched.system} ${h.matched.sourceId})`,
              )
              .join('\n'),
      );
    } finally {
      await store.close();
    }
  });

  withStoreOptions(
    mdm
      .command('show <goldenId>')
      .description(
        'a golden record: its values, the source of each field, its members, and its history (merges, write-backs)',
      )
      .option('--json', 'print it as JSON'),
  ).action(async (goldenId: string, options: StoreOptions & { json?: boolean }) => {
    const store = await openStore(options);
    try {
      const resolved = await store.resolve(goldenId);
      if (!resolved) {
        // As GET /customers/{id} answers 410: an erased customer is not an unknown id.
        const erasure = await erasureOfGolden(store.pool, store.schema, goldenId);
        throw new ConfigError(
          erasure
            ? `golden record ${goldenId} was erased (${erasure.erasureId}, right to be forgotten)`
            : `no golden record ${goldenId}`,
        );
      }
      const golden = await store.golden(resolved);
      const history = await store.mergeHistory(resolved);
      // The edits of its systems that lost survivorship and were written back (fields, never values).
      const writeBacks = await writeBackHistory(store.pool, store.schema, resolved);
      const value = { requested: goldenId, ...golden, history, writeBacks };
      printResult(!!options.json, value, () =>
        [
          resolved === goldenId ? goldenId : `${goldenId} → merged into ${resolved}`,
          ...(golden?.members ?? []).map((m) => `  member ${m.system} ${m.sourceId}`),
          // What holds them together, so a steward can reject the one link that is wrong (eai mdm decide reject).
          ...(golden?.links ?? []).map(linkLine),
          // The values themselves, each beside where it came from (the description promised them; only the
          // sources were printed).
          ...Object.entries(golden?.lineage ?? {}).map(
            ([field, l]) =>
              `  ${field.padEnd(17)} ${valueText(lineageValue(golden?.record, golden?.lineage, field))}   from ${l?.system} ${l?.sourceId} (${l?.rule})`,
          ),
          // Merges and write-backs in the order they happened.
          ...[
            ...history.map((h) => ({ at: h.at, line: historyLine(h) })),
            ...writeBacks.map((w) => ({ at: w.at, line: writeBackLine(w) })),
          ]
            .sort((a, b) => a.at.getTime() - b.at.getTime())
            .map((h) => h.line),
        ].join('\n'),
      );
    } finally {
      await store.close();
    }
  });

  withStoreOptions(
    mdm
      .command('review')
      .description('pairs waiting for a steward (scored between the review and auto-merge thresholds)')
      .option('--limit <n>', 'at most this many pairs', '50')
      .option('--json', 'print them as JSON'),
  ).action(async (options: StoreOptions & { limit: string; json?: boolean }) => {
    if (!/^[1-9]\d*$/.test(options.limit)) throw new ConfigError('--limit must be a positive integer');
    const store = await openStore(options);
    try {
      const limit = Number(options.limit);
      const queue = await store.reviewQueue(limit);
      // A full page may not be all: say how many wait, as `eai mdm load` and sync health count them.
      const waiting = queue.length < limit ? queue.length : (await store.stats()).review;
      printResult(!!options.json, queue, () =>
        queue.length === 0
          ? 'no pairs waiting for review'
          : [
              ...queue.map(
                (p) =>
                  `${p.probability.toFixed(3)}  ${p.a.system} ${p.a.sourceId} (${p.a.goldenId}) ${p.a.label}  ~  ${p.b.system} ${p.b.sourceId} (${p.b.goldenId}) ${p.b.label}${p.reason === 'score' ? '' : `  (${p.reason})`}`,
              ),
              ...(waiting > queue.length
                ? [
                    `${queue.length} of ${waiting} pairs shown, the most probable first (--limit <n> for more)`,
                  ]
                : []),
            ].join('\n'),
      );
    } finally {
      await store.close();
    }
  });

  withStoreOptions(
    mdm
      .command('decide <decision> <systemA> <idA> <systemB> <idB>')
      .description('a steward decision on a pair: accept (merge their golden records) or reject (keep apart)')
      .option(
        '--actor <name>',
        'who decides (kept in the pair and the history)',
        process.env.USER ?? 'steward',
      )
      .option('--json', 'print the resulting golden ids as JSON'),
  ).action(
    async (
      decision: string,
      systemA: string,
      idA: string,
      systemB: string,
      idB: string,
      options: StoreOptions & { actor: string; json?: boolean },
    ) => {
      if (decision !== 'accept' && decision !== 'reject')
        throw new ConfigError(`decision must be accept or reject, got "${decision}"`);
      const store = await openStore(options);
      try {
        // The same steward action as POST /customers/decisions: unknown records are named, not linked.
        const result = await decidePair(
          store,
          { system: systemA, sourceId: idA },
          { system: systemB, sourceId: idB },
          decision,
          options.actor,
        );
        printResult(!!options.json, result, () =>
          [
            `${systemA} ${idA} → ${result.a}`,
            `${systemB} ${idB} → ${result.b}`,
            ...result.splitOff.map(splitOffLine),
          ].join('\n'),
        );
      } finally {
        await store.close();
      }
    },
  );

  withStoreOptions(
    mdm
      .command('unmerge <mergeId>')
      .description(
        'undo a merge (its number from eai mdm show): the earlier golden records come back exactly',
      )
      .option('--actor <name>', 'who undoes it', process.env.USER ?? 'steward')
      .option('--json', 'print the restored golden ids as JSON'),
  ).action(async (mergeId: string, options: StoreOptions & { actor: string; json?: boolean }) => {
    if (!/^\d+$/.test(mergeId)) throw new ConfigError(`merge id must be a number, got "${mergeId}"`);
    const store = await openStore(options);
    try {
      const restored = await unmergeById(store, Number(mergeId), options.actor);
      printResult(!!options.json, { restored }, () => `restored ${restored.join(', ')}`);
    } finally {
      await store.close();
    }
  });
  withStoreOptions(
    mdm
      .command('merge <goldenId> <other>')
      .description(
        'merge two golden records, as POST /customers/{goldenId}/merge: a steward link between their founding records',
      )
      .option('--actor <name>', 'who merges them', process.env.USER ?? 'steward')
      .option('--json', 'print the survivor and the ids merged into it as JSON'),
  ).action(
    async (goldenId: string, other: string, options: StoreOptions & { actor: string; json?: boolean }) => {
      const store = await openStore(options);
      try {
        const result = await mergeGolden(store, goldenId, other, options.actor);
        printResult(!!options.json, result, () =>
          [
            `${result.merged.join(', ')} merged into ${result.goldenId} (eai mdm show ${result.goldenId})`,
            ...result.splitOff.map(splitOffLine),
          ].join('\n'),
        );
      } finally {
        await store.close();
      }
    },
  );
  registerMdmEraseCommand(mdm);
}

/** A record a steward's accept or merge split off, as `decide` and `merge` print it. */
function splitOffLine(r: { system: string; sourceId: string; goldenId: string }): string {
  return `${r.system} ${r.sourceId} → ${r.goldenId} (split off: a conflict holds it apart from both; its links wait in eai mdm review)`;
}

/** The erasure as the CLI prints it: what went, and per system how far its delete got. */
function erasureLines(erasure: Erasure & { repeated?: boolean }, note: string | undefined): string {
  const counts = Object.entries(erasure.counts)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return [
    `${erasure.repeated ? 'erased before' : 'erased'}: ${erasure.goldenIds.join(', ')} (${erasure.erasureId})`,
    `  removed from the hub: ${counts || 'nothing else'}`,
    ...Object.entries(erasure.systems).map(
      ([system, s]) => `  ${system.padEnd(12)} ${s.records} record(s), ${s.status}`,
    ),
    `  tombstones and commands: ${erasure.status}${note ? ` (${note})` : ''}`,
  ].join('\n');
}

function registerMdmEraseCommand(mdm: Command): void {
  withStoreOptions(
    mdm
      .command('erase [goldenId]')
      .description(
        "erase a golden customer (right to be forgotten): its rows in the hub go, an audit record stays, and the golden topic's tombstones and each system's erasure command are published",
      )
      .option(
        '--system <system>',
        "with --source-id: erase the golden customer of that system's record instead",
      )
      .option('--source-id <id>', "the record's id in --system")
      .option('--actor <name>', 'who asks (kept in the audit record)', process.env.USER ?? 'admin')
      .option('--json', 'print the audit record as JSON'),
  ).action(
    async (
      goldenId: string | undefined,
      options: StoreOptions & { system?: string; sourceId?: string; actor: string; json?: boolean },
    ) => {
      if (!options.system !== !options.sourceId)
        throw new ConfigError(
          '--system and --source-id go together: the record whose golden customer to erase',
        );
      const record =
        options.system && options.sourceId
          ? { system: options.system, sourceId: options.sourceId }
          : undefined;
      if (!goldenId === !record)
        throw new ConfigError('name a golden id, or a record with --system and --source-id (one of them)');
      if (goldenId && !/^gc-[0-9a-f]{20}$/.test(goldenId))
        throw new ConfigError(`not a golden id: "${goldenId}" (gc- and 20 hex digits)`);
      const store = await openStore(options);
      try {
        const erasure = await eraseCustomer(store, { goldenId, record, requestedBy: options.actor });
        // The hub's relay publishes the tombstones and commands when it runs; without it, publish them now. Which
        // systems get an erasure command is the sync config's word (`push`): without --config the CLI does not
        // know the hub's, so it leaves the commands to the relay instead of marking every system `no-sink`.
        let note: string | undefined;
        if (erasure.status === 'pending') {
          try {
            const bus = await connectBus('/eai/cli');
            await publishErasure({ bus, store, erasureId: erasure.erasureId, goldenOnly: !options.config });
            if (!options.config && Object.keys(erasure.systems).length > 0)
              note =
                "the systems' erasure commands wait for the hub's relay, which sends them to the systems it pushes to; --config <the hub's master data config> sends them now";
          } catch (error) {
            note = `not published now (${error instanceof Error ? error.message : String(error)}): the hub's relay publishes them when it runs`;
          }
        }
        const latest = {
          ...((await erasureById(store, erasure.erasureId)) ?? erasure),
          repeated: erasure.repeated,
        };
        printResult(!!options.json, note ? { ...latest, note } : latest, () => erasureLines(latest, note));
      } finally {
        await store.close();
      }
    },
  );
}

/** --encoding names a character set Node knows, and only for a CSV table (JSON lines are UTF-8). */
function checkEncoding(options: { encoding?: string; mapping?: string }): void {
  if (options.encoding === undefined) return;
  if (!options.mapping)
    throw new ConfigError('--encoding is for a CSV table read with --mapping: JSON lines are UTF-8');
  const problem = encodingProblem(CSV_FORMAT, options.encoding);
  if (problem) throw new ConfigError(`--encoding: ${problem}`);
}
