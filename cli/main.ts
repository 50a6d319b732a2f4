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
    process.stderr.write(`eai: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
