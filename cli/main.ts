import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('eai')
    .description('Enterprise application integration hub: connectors, canonical Avro on Kafka, workflows')
    .showHelpAfterError()
    .enablePositionalOptions();
  registerCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // One line, never a stack trace; then exit at once: a client socket left open (a broker that accepted the
    // connection but never answered) must not hold the process until its own timeout.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`eai: ${message.split('\n').join(' ')}\n`);
    process.exit(1);
  }
}
