import { relative } from 'node:path';
import type { Command } from 'commander';
import { type RegistryClient, RegistryRefusedError } from '../../bus/registry.ts';
import { kafkaPrefixFromEnv } from '../../bus/transport/index.ts';
import { ConfigError } from '../../lib/errors.ts';
import { meant } from '../../lib/zod-problems.ts';
import { canonicalSchemas, loadSchema } from '../../schemas/catalog.ts';
import {
  type CompatibilityLevel,
  compatibilityProblems,
  formatProblem,
} from '../../schemas/compatibility.ts';
import { checkAllSchemas, releaseSchemas, type SchemaCheck } from '../../schemas/release.ts';
import { connectRegistry } from '../endpoints.ts';
import { printResult } from '../output.ts';

export function registerSchemasCommand(program: Command): void {
  const schemas = program.command('schemas').description('canonical Avro schemas');

  schemas
    .command('check')
    .description(
      'fail when a schema breaks compatibility with its released versions (and, with --registry, the registry)',
    )
    .option(
      '--registry',
      "also ask the schema registry's compatibility API about each subject's latest version",
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { registry?: boolean; json?: boolean }) => {
      const results = checkAllSchemas().map((r) => ({
        ...r,
        registry: undefined as
          | undefined
          | { compatible: boolean; level?: CompatibilityLevel; problems?: SchemaCheck['problems'] },
      }));
      if (options.registry) {
        // A registry that is down or a wrong URL fails the check in one line; it passed as if all were compatible.
        const client = await connectRegistry();
        // The subjects as the deployment's publishers register them: with its prefix (bus/transport/prefix.ts).
        const prefix = kafkaPrefixFromEnv();
        for (const result of results) {
          result.subject = prefix + result.subject;
          const schema = canonicalSchemas.find((s) => s.name === result.schema)!;
          // A subject nothing was published to yet (404) has nothing to be compatible with.
          const versions = await client.versions(result.subject).catch((error: unknown) => {
            if (error instanceof RegistryRefusedError && error.status === 404) return [] as number[];
            throw error;
          });
          if (versions.length === 0) continue;
          const current = loadSchema(schema.file) as object;
          const compatible = await client.isCompatible(result.subject, current);
          result.registry = { compatible };
          if (!compatible) {
            // Why, against what the registry holds and by the rule its subject keeps (FULL, FORWARD…): the offline
            // check judges the released files by BACKWARD, so a refusal of the registry's came with no reason at all.
            const level = await client.compatibility(result.subject);
            const held = await Promise.all(versions.map((v) => client.schemaOf(result.subject, v)));
            const problems = compatibilityProblems(current as never, held as never[], level).map((p) => ({
              ...p,
              version: versions[p.version - 1] ?? p.version,
            }));
            result.registry = { compatible, level, problems };
          }
        }
      }
      const failed = results.filter((r) => r.problems.length > 0 || r.registry?.compatible === false);
      printResult(!!options.json, { ok: failed.length === 0, schemas: results }, () =>
        results
          .map((r) => {
            const state =
              r.problems.length > 0 || r.registry?.compatible === false
                ? 'INCOMPATIBLE'
                : r.changed
                  ? 'changed, compatible'
                  : 'unchanged';
            const registryWhy = r.registry?.problems ?? [];
            const why = problemLines([
              ...r.problems,
              // The registry's reasons, unless the offline check said the same already.
              ...registryWhy
                .filter((p) => !r.problems.some((q) => q.path === p.path && q.message === p.message))
                .map((p) => ({ ...p, direction: `${p.direction}, registry` })),
            ]);
            const reg = r.registry
              ? r.registry.compatible
                ? ' (registry: compatible)'
                : ` (registry${r.registry.level ? `, ${r.registry.level}` : ''}: incompatible${registryWhy.length === 0 && r.problems.length === 0 ? ', without a reason this check can name' : ''})`
              : '';
            return `${r.schema} [${r.subject}, ${r.level}, ${r.versions} released]: ${state}${reg}${why}`;
          })
          .join('\n'),
      );
      if (failed.length > 0) process.exitCode = 1;
    });

  schemas
    .command('ls')
    .description(
      "the registry's subjects: versions, the latest's id and record type, the compatibility rule each keeps",
    )
    .option('--prefix <text>', 'only subjects that start with the text (e.g. canonical.)')
    .option('--json', 'print JSON lines, one subject each')
    .action(async (options: { prefix?: string; json?: boolean }) => {
      const client = await connectRegistry();
      const subjects = (await client.subjects()).filter(
        (s) => !options.prefix || s.startsWith(options.prefix),
      );
      const rows: SubjectRow[] = [];
      // A registry with hundreds of subjects takes a few seconds: progress on stderr, a few at a time.
      for (let i = 0; i < subjects.length; i += 8) {
        rows.push(...(await Promise.all(subjects.slice(i, i + 8).map((s) => subjectRow(client, s)))));
        if (!options.json && subjects.length > 100 && (i / 8) % 12 === 11)
          process.stderr.write(`… ${rows.length} of ${subjects.length} subjects\n`);
      }
      if (options.json) {
        for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(options.prefix ? `no subject starts with ${options.prefix}\n` : 'no subjects\n');
        return;
      }
      const width = Math.max(...rows.map((r) => r.subject.length), 'subject'.length);
      process.stdout.write(
        `${[
          `${'subject'.padEnd(width)}  versions  latest     id  compatibility        record`,
          ...rows.map(
            (r) =>
              `${r.subject.padEnd(width)}  ${String(r.versions).padStart(8)}  ${String(r.latest).padStart(6)}  ${String(r.id).padStart(5)}  ${r.compatibility.padEnd(19)}  ${r.record ?? '-'}`,
          ),
        ].join('\n')}\n`,
      );
    });

  schemas
    .command('show <subject>')
    .description("one subject's schema as the registry holds it (the latest version, or --version)")
    .option('--version <n>', 'this version of the subject')
    .option('--json', 'print the subject, version, id, rule and schema as one JSON object')
    .action(async (subject: string, options: { version?: string; json?: boolean }) => {
      if (options.version !== undefined && !/^[1-9]\d*$/.test(options.version))
        throw new ConfigError(`--version must be a version number (1, 2, …), got "${options.version}"`);
      const client = await connectRegistry();
      const versions = await client.versions(subject).catch(async (error: unknown) => {
        if (!(error instanceof RegistryRefusedError && error.status === 404)) throw error;
        const hint = meant(subject, await client.subjects());
        throw new ConfigError(
          `no subject ${subject} in the registry${hint ? ` (${hint})` : ''}: eai schemas ls lists them`,
        );
      });
      const wanted = options.version === undefined ? undefined : Number(options.version);
      if (wanted !== undefined && !versions.includes(wanted))
        throw new ConfigError(`${subject} has no version ${wanted}: its versions are ${versions.join(', ')}`);
      const held = await client.version(subject, wanted);
      const compatibility = await client.compatibility(subject);
      printResult(
        !!options.json,
        { subject, version: held.version, id: held.id, versions, compatibility, schema: held.schema },
        () =>
          `${subject} version ${held.version} of ${versions.join(', ')} (id ${held.id}, ${compatibility})\n${JSON.stringify(held.schema, null, 2)}`,
      );
    });

  schemas
    .command('release')
    .description('record the current schemas as new released versions where they changed compatibly')
    .option('--json', 'print the written files, and the changed schemas refused with why, as JSON')
    .action((options: { json?: boolean }) => {
      const { written, refused } = releaseSchemas();
      printResult(!!options.json, { written, refused }, () =>
        [
          // Relative to where the command runs, as git shows them (the JSON keeps the absolute paths).
          ...written.map((f) => `wrote ${relative(process.cwd(), f) || f}`),
          ...refused.map(
            (r) =>
              `${r.schema}: not released, it breaks ${r.level} compatibility (give new fields defaults, renamed ones aliases, change no type Avro cannot promote):${problemLines(r.problems)}`,
          ),
          ...(written.length + refused.length === 0 ? ['nothing changed'] : []),
        ].join('\n'),
      );
      if (refused.length > 0) process.exitCode = 1;
    });
}

interface SubjectRow {
  subject: string;
  versions: number;
  latest: number;
  id: number;
  compatibility: string;
  /** The latest version's record type (its full name), when it is a record. */
  record: string | null;
}

async function subjectRow(client: RegistryClient, subject: string): Promise<SubjectRow> {
  const [versions, latest, compatibility] = await Promise.all([
    client.versions(subject),
    client.version(subject),
    client.compatibility(subject),
  ]);
  const schema = latest.schema as { type?: unknown; name?: unknown; namespace?: unknown };
  const record =
    schema.type === 'record' && typeof schema.name === 'string'
      ? schema.name.includes('.') || typeof schema.namespace !== 'string'
        ? schema.name
        : `${schema.namespace}.${schema.name}`
      : null;
  return { subject, versions: versions.length, latest: latest.version, id: latest.id, compatibility, record };
}

/**
 * A check's problems, one indented line each. (Split from the joined text, a message that holds "; " itself, as a
 * type change's does, lost its field on the line after.)
 */
export function problemLines(problems: SchemaCheck['problems']): string {
  return problems.map((p) => `\n  ${formatProblem(p)}`).join('');
}
