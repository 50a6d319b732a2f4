import { relative } from 'node:path';
import type { Command } from 'commander';
import { RegistryRefusedError } from '../../bus/registry.ts';
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
        for (const result of results) {
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

/**
 * A check's problems, one indented line each. (Split from the joined text, a message that holds "; " itself, as a
 * type change's does, lost its field on the line after.)
 */
export function problemLines(problems: SchemaCheck['problems']): string {
  return problems.map((p) => `\n  ${formatProblem(p)}`).join('');
}
