import type { Command } from 'commander';

/** Every CLI command, listed explicitly (no registration by import side effects). */
const commands: Array<(program: Command) => void> = [];

export function registerCommands(program: Command): void {
  for (const register of commands) register(program);
}
