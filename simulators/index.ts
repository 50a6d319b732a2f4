import { ConfigError } from '../lib/errors.ts';
import type { RunningSimulator, SimulatorDefinition, StartOptions } from './common/types.ts';
import { hubspotSimulator } from './hubspot/simulator.ts';
import { logisticsSimulator } from './logistics/simulator.ts';
import { odooSimulator } from './odoo/simulator.ts';
import { salesforceSimulator } from './salesforce/simulator.ts';
import { sapSimulator } from './sap/simulator.ts';

export type { RunningSimulator, SimulatorDefinition, StartOptions } from './common/types.ts';

/** Every simulator, by the name `eai sim <name>` takes. Add new simulators here. */
export const simulators: Record<string, SimulatorDefinition> = {
  salesforce: salesforceSimulator,
  hubspot: hubspotSimulator,
  odoo: odooSimulator,
  sap: sapSimulator,
  logistics: logisticsSimulator,
};

export function startSimulator(name: string, options: StartOptions = {}): Promise<RunningSimulator> {
  const definition = simulators[name];
  if (!definition) {
    throw new ConfigError(`unknown simulator "${name}" (known: ${Object.keys(simulators).join(', ')})`);
  }
  return definition.start(options);
}
