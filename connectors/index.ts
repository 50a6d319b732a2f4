/**
 * The connectors folder's public surface: the SDK (for plugin authors), the runtime that hosts connectors, the
 * deployment loader, and the list of built-in connector types. Everything else under connectors/ is internal.
 */
import { genericPlugins } from './generic/index.ts';
import { hubspotPlugins } from './hubspot/index.ts';
import { logisticsPlugins } from './logistics/index.ts';
import { odooPlugins } from './odoo/index.ts';
import { salesforcePlugins } from './salesforce/index.ts';
import { sapPlugins } from './sap/index.ts';
import type { ConnectorPlugin } from './sdk/index.ts';

export { pendingRestart } from './runtime/auto-restart.ts';
export {
  connectorKey,
  connectorOfOwner,
  deadLetterOwners,
  sinkGroupId,
  sourceTransactionalIds,
  systemOfConnector,
} from './runtime/connector-ids.ts';
export { MAX_SKIPPED_REASONS, OTHER_REASONS } from './runtime/connector-metrics.ts';
export {
  type ConnectorDefinition,
  checkDeployment,
  connectorDefinition,
  type DeploymentFileCheck,
  loadDeployment,
} from './runtime/definition.ts';
export { defaultMappingThreads, MappingPool } from './runtime/mapping-pool.ts';
export { createMappingStep, type DocumentInput, type MappingStep } from './runtime/mapping-step.ts';
export { ConnectorRuntime, type ConnectorState, type ConnectorStatus } from './runtime/runtime.ts';
export { secretScrubber } from './runtime/secret-scrub.ts';
export { literalSecretWarnings, redactConfig } from './runtime/secrets.ts';
export type * from './sdk/index.ts';

/** Every built-in connector type, listed explicitly (no registration by import side effects). */
export const builtinPlugins: readonly ConnectorPlugin[] = [
  ...genericPlugins,
  ...sapPlugins,
  ...odooPlugins,
  ...logisticsPlugins,
  ...hubspotPlugins,
  ...salesforcePlugins,
];
