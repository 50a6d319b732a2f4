import { resolve } from 'node:path';
import { createBus } from '../bus/index.ts';
import {
  builtinPlugins,
  type ConnectorPlugin,
  ConnectorRuntime,
  loadDeployment,
} from '../connectors/index.ts';
import type { Logger } from '../lib/logger.ts';
import { type AdminToken, createAdminApi, registerWhoamiRoute } from './api/index.ts';
import { hubChecks } from './checks.ts';
import { registerConnectorRoutes } from './routes/connectors.ts';
import { registerDeadLetterRoutes } from './routes/dead-letters.ts';
import { startOpsServer } from './server.ts';

export interface HubOptions {
  brokers: string;
  registryUrl: string;
  databaseUrl?: string;
  /** A deployment folder: one YAML file per connector, written into the shared connector configs at start. */
  deployDir?: string;
  tokens: AdminToken[];
  logger: Logger;
  host?: string;
  port?: number;
  /** Instances with the same group share the connectors. */
  group?: string;
  plugins?: readonly ConnectorPlugin[];
}

export interface Hub {
  url: string;
  runtime: ConnectorRuntime;
  close(): Promise<void>;
}

/**
 * The hub process: the bus, the connector runtime with the deployment's connectors, and one HTTP port for health,
 * metrics, the admin API (every capability's routes) and the source connectors' webhooks.
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const plugins = options.plugins ?? builtinPlugins;
  const deployDir = options.deployDir ? resolve(options.deployDir) : undefined;
  // The deployment is validated before anything starts: an error names the file and the field.
  const definitions = deployDir ? loadDeployment(deployDir, new Map(plugins.map((p) => [p.type, p]))) : [];
  const bus = createBus({
    brokers: options.brokers,
    registryUrl: options.registryUrl,
    source: '/eai/hub',
    logger: options.logger,
  });
  const created = await bus.provisionTopics();
  if (created.length) options.logger.info({ topics: created }, 'topics created');
  const runtime = new ConnectorRuntime({
    bus,
    plugins,
    logger: options.logger.child({ component: 'connectors' }),
    group: options.group,
    baseDir: deployDir,
  });
  await runtime.start();
  if (deployDir) await runtime.deploy(definitions, deployDir);

  const api = createAdminApi({ tokens: options.tokens, logger: options.logger });
  registerWhoamiRoute(api);
  registerConnectorRoutes(api, runtime);
  registerDeadLetterRoutes(api, { transport: bus.transport, serde: bus.serde, logger: options.logger });
  const ops = await startOpsServer({
    host: options.host,
    port: options.port,
    checks: hubChecks(options),
    api,
    logger: options.logger,
    webhooks: (name, request) => runtime.webhook(name, request),
    details: async () => {
      const local = runtime.local();
      return {
        connectors: Object.fromEntries(local.map((c) => [c.name, c.state])),
        failedConnectors: local.filter((c) => c.state === 'FAILED').map((c) => c.name),
      };
    },
  });
  return {
    url: ops.url,
    runtime,
    async close() {
      await ops.close();
      await runtime.stop();
    },
  };
}
