import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export async function main(argv: string[]): Promise<void> {
  const program = new Command('eai')
    .description('Enterprise application integration hub: connectors, canonical Avro on Kafka, workflows')
    .version(version, '-V, --version', 'print the version of eai')
    .showHelpAfterError()
    .enablePositionalOptions();
  try {
    await registerCommands(program, argv);
    await program.parseAsync(argv);
  } catch (error) {
    // One line, never a stack trace; then exit at once: a client socket left open (a broker that accepted the
    // connection but never answered) must not hold the process until its own timeout.
    // With --json the line is JSON too, in the shape `eai map --json` reports its errors, so a script that
    // parses the output reads a failure the same way.
    const message = (error instanceof Error ? error.message : String(error)).split('\n').join(' ');
    const kind = error instanceof Error ? error.name : 'Error';
    process.stderr.write(
      argv.includes('--json')
        ? `${JSON.stringify({ errors: [{ error: kind, message }] })}\n`
        : `eai: ${message}\n`,
    );
    process.exit(1);
  }
}
