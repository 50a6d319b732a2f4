import type { Command } from 'commander';
import { stackHome } from '../../stack/paths.ts';
import { stackHomeOnPort } from '../../stack/preflight.ts';
import { stackDown, stackStatus, stackUp } from '../../stack/stack.ts';
import { maskedDatabaseUrl } from '../../store/probe.ts';
import { printResult } from '../output.ts';

/** Whose stack answers, and the EAI_HOME that uses it. */
function otherStack(home: string | undefined): string {
  return home
    ? `the stack of ${home}: set EAI_HOME=${home}`
    : "another's (another clone's): set EAI_HOME to its .eai folder";
}

export function registerStackCommand(program: Command): void {
  const stack = program
    .command('stack')
    .description('the local Kafka broker, schema registry and PostgreSQL');

  stack
    .command('up')
    .description(
      'start the local stack (or reuse the running one); endpoints set by environment are used as given',
    )
    .option('--json', 'print {"brokers", "registryUrl", "databaseUrl" (password masked)} as JSON')
    .action(async (options: { json?: boolean }) => {
      const state = await stackUp((line) => process.stderr.write(`${line}\n`));
      printResult(
        !!options.json,
        // The hub and the CLI read the full URL from the stack's state file: nothing needs the password printed.
        {
          brokers: state.brokers,
          registryUrl: state.registryUrl,
          databaseUrl: maskedDatabaseUrl(state.databaseUrl),
        },
        () =>
          [
            `kafka:    ${state.brokers}`,
            `registry: ${state.registryUrl}`,
            `database: ${maskedDatabaseUrl(state.databaseUrl)}`,
          ].join('\n'),
      );
    });

  stack
    .command('down')
    .description('stop what the local stack started')
    .option('--purge', 'also delete the broker and database data (downloads stay cached)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { purge?: boolean; json?: boolean }) => {
      await stackDown({ purge: options.purge });
      printResult(!!options.json, { stopped: true, purged: !!options.purge }, () =>
        options.purge ? 'stack stopped, data removed' : 'stack stopped',
      );
    });

  stack
    .command('status')
    .description('where the stack is and whether each part answers')
    .option(
      '--json',
      'print {"brokers", "registryUrl", "databaseUrl" (password masked), "running", "parts", "pids"} as JSON',
    )
    .action(async (options: { json?: boolean }) => {
      const status = await stackStatus();
      const shown = { ...status, databaseUrl: maskedDatabaseUrl(status.databaseUrl) };
      const pid = (p: number | null) => (p ? ` (pid ${p})` : '');
      // No database known (no DATABASE_URL, no state file in this stack home) while something answers on the broker or
      // registry port: a stack another clone started, which this one does not reuse (and whose ports `eai up` finds
      // taken). Seen in the ops trial as "database: (none) down" beside "kafka: up", saying neither why nor what to do.
      // Where /proc tells whose stack it is, its folder is named: the EAI_HOME to set.
      const other = () =>
        stackHomeOnPort(Number(new URL(`kafka://${status.brokers.split(',')[0]}`).port)) ??
        stackHomeOnPort(Number(new URL(status.registryUrl).port));
      const elsewhere =
        !status.databaseUrl && (status.parts.kafka || status.parts.registry)
          ? `\nno stack started from ${stackHome()}: what answers on these ports is ${otherStack(other())}, or KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL`
          : '';
      printResult(
        !!options.json,
        shown,
        () =>
          [
            `kafka:    ${status.brokers} ${status.parts.kafka ? 'up' : 'down'}${pid(status.pids.kafka)}`,
            `registry: ${status.registryUrl} ${status.parts.registry ? 'up' : 'down'}${pid(status.pids.registry)}`,
            `database: ${shown.databaseUrl || '(none)'} ${status.parts.postgres ? 'up' : 'down'}${pid(status.pids.postgres)}`,
          ].join('\n') + elsewhere,
      );
      if (!status.running) process.exitCode = 3;
    });
}
