import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { withoutValueMarks } from '../lib/errors.ts';
import { registerCommands } from './commands/index.ts';
import { HubError } from './hub-client.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export async function main(argv: string[]): Promise<void> {
  const program = new Command('eai')
    .description('Enterprise application integration hub: connectors, canonical Avro on Kafka, workflows')
    .version(version, '-V, --version', 'print the version of eai')
    .enablePositionalOptions();
  const json = argv.includes('--json');
  if (json) {
    // A usage error (an unknown option, a missing argument) is the JSON line too, not commander's text and help: a
    // script that asked for --json reads every failure one way. Subcommands inherit this as they are registered.
    program.exitOverride().configureOutput({ outputError: () => undefined });
  } else {
    program.showHelpAfterError();
  }
  try {
    await registerCommands(program, argv);
    await program.parseAsync(argv);
  } catch (error) {
    // --help and --version under exitOverride: they printed what was asked.
    if (error instanceof CommanderError && error.exitCode === 0) process.exit(0);
    // One line, never a stack trace; then exit at once: a client socket left open (a broker that accepted the
    // connection but never answered) must not hold the process until its own timeout.
    // With --json the line is JSON too, in the shape `eai map --json` reports its errors, so a script that
    // parses the output reads a failure the same way.
    const message = withoutValueMarks(
      groupWithoutSubcommand(program, argv, error) ??
        (error instanceof Error ? error.message : String(error)),
    )
      .replace(/^error: /, '')
      .split('\n')
      .join(' ');
    const kind =
      error instanceof CommanderError ? 'UsageError' : error instanceof Error ? error.name : 'Error';
    // The hub's answer by its HTTP status and whether asking again can help, so a script tells a workflow that has
    // finished (409) from one that does not exist (404) or a hub that is away (503, none) without reading the text.
    const hub = error instanceof HubError ? { status: error.status ?? null, retriable: error.retriable } : {};
    process.stderr.write(
      argv.includes('--json')
        ? `${JSON.stringify({ errors: [{ error: kind, message, ...hub }] })}\n`
        : `eai: ${message}\n`,
    );
    process.exit(1);
  }
}

/**
 * An option given to a command group before its subcommand (`eai connectors --json`): commander calls it an unknown
 * option; what is missing is the subcommand, which takes the option.
 */
function groupWithoutSubcommand(program: Command, argv: string[], error: unknown): string | undefined {
  if (!(error instanceof CommanderError) || error.code !== 'commander.unknownOption') return undefined;
  const group = program.commands.find((c) => c.name() === argv[2]);
  const subcommands = group?.commands.map((c) => c.name()).filter((name) => name !== 'help') ?? [];
  if (!group || subcommands.length === 0 || !argv[3]?.startsWith('-')) return undefined;
  return `eai ${group.name()} takes a subcommand first, then its options: eai ${group.name()} <${subcommands.join('|')}> ${argv.slice(3).join(' ')}`;
}
