import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every CLI command, listed explicitly (no registration by import side effects), each loaded only when it runs: a
 * command's modules (the bus client, DBOS, the simulators…) cost a Node start 0.3–1 s of CPU each, so `eai bus
 * publish` loads the bus command alone, and help or an unknown command loads them all.
 */
export const commands: ReadonlyArray<{ name: string; load: () => Promise<Register> }> = [
  { name: 'demo', load: async () => (await import('./demo.ts')).registerDemoCommand },
  { name: 'up', load: async () => (await import('./up.ts')).registerUpCommand },
  { name: 'connectors', load: async () => (await import('./connectors.ts')).registerConnectorsCommand },
  { name: 'workflows', load: async () => (await import('./workflows.ts')).registerWorkflowsCommand },
  { name: 'stack', load: async () => (await import('./stack.ts')).registerStackCommand },
  { name: 'bus', load: async () => (await import('./bus.ts')).registerBusCommand },
  { name: 'dlq', load: async () => (await import('./dlq.ts')).registerDlqCommand },
  { name: 'map', load: async () => (await import('./map.ts')).registerMapCommand },
  { name: 'mdm', load: async () => (await import('./mdm.ts')).registerMdmCommand },
  { name: 'sync', load: async () => (await import('./sync.ts')).registerSyncCommand },
  { name: 'schemas', load: async () => (await import('./schemas.ts')).registerSchemasCommand },
  { name: 'sim', load: async () => (await import('./sim.ts')).registerSimCommand },
  { name: 'admin-token', load: async () => (await import('./admin-token.ts')).registerAdminTokenCommand },
];

/** Options of `eai` itself that need no command: `eai --version` printed its version after loading all of them (3 s). */
const NO_COMMAND = new Set(['-V', '--version']);

/**
 * Registers the command `argv` runs, none for `--version`, or every command when it names none of them (help, a
 * typo, nothing).
 */
export async function registerCommands(program: Command, argv: string[]): Promise<void> {
  const named = commands.find((c) => c.name === argv[2]);
  const wanted = named !== undefined ? [named] : NO_COMMAND.has(argv[2] ?? '') ? [] : commands;
  const registers = await Promise.all(wanted.map((c) => c.load()));
  for (const register of registers) register(program);
}
