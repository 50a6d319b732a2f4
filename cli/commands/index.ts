import type { Command } from 'commander';
import { registerSimCommand } from './sim.ts';
import { registerStackCommand } from './stack.ts';

/** Every CLI command, listed explicitly (no registration by import side effects). */
const commands: Array<(program: Command) => void> = [registerStackCommand, registerSimCommand];

export function registerCommands(program: Command): void {
  for (const register of commands) register(program);
}
