import type { Command } from 'commander';
import { registerAdminTokenCommand } from './admin-token.ts';
import { registerBusCommand } from './bus.ts';
import { registerConnectorsCommand } from './connectors.ts';
import { registerDemoCommand } from './demo.ts';
import { registerDlqCommand } from './dlq.ts';
import { registerMapCommand } from './map.ts';
import { registerMdmCommand } from './mdm.ts';
import { registerSchemasCommand } from './schemas.ts';
import { registerSimCommand } from './sim.ts';
import { registerStackCommand } from './stack.ts';
import { registerSyncCommand } from './sync.ts';
import { registerUpCommand } from './up.ts';
import { registerWorkflowsCommand } from './workflows.ts';

/** Every CLI command, listed explicitly (no registration by import side effects). */
const commands: Array<(program: Command) => void> = [
  registerDemoCommand,
  registerUpCommand,
  registerConnectorsCommand,
  registerWorkflowsCommand,
  registerStackCommand,
  registerBusCommand,
  registerDlqCommand,
  registerMapCommand,
  registerMdmCommand,
  registerSyncCommand,
  registerSchemasCommand,
  registerSimCommand,
  registerAdminTokenCommand,
];

export function registerCommands(program: Command): void {
  for (const register of commands) register(program);
}
