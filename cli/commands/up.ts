import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONNECT_GROUP, type GroupStart, registryRootProblem } from '../../bus/index.ts';
import { builtinPlugins, defaultMappingThreads, loadDeployment } from '../../connectors/index.ts';
import { ConfigError } from '../../lib/errors.ts';
import { DEFAULT_HEAP_GROWING_PERCENT } from '../../lib/heap-growth.ts';
import { createLogger } from '../../lib/logger.ts';
import { onShutdown } from '../../lib/shutdown.ts';
import { loadMdmConfig } from '../../masterdata/index.ts';
import { adminTokensFromEnv } from '../../ops/api/index.ts';
import { startHub } from '../../ops/hub.ts';
import {
  DEFAULT_OPS_PORT,
  healthDetailsFromEnv,
  instanceAddressFromEnv,
  instanceIdFromEnv,
} from '../../ops/instance-env.ts';
import { orchestratorRoleFromEnv } from '../../ops/orchestrator-env.ts';
import { stackUp } from '../../stack/stack.ts';
import { maskedDatabaseUrl } from '../../store/probe.ts';
import { awaitKafka } from '../endpoints.ts';
import { checkHubHost, checkHubPort, wholeNumber } from '../options.ts';
import { printResult } from '../output.ts';

/** What `eai up` prints: one endpoint a line, the values in one column however long the names. */
export function endpointsText(endpoints: Record<string, unknown>): string {
  const label = (key: string) => (key === 'notInFolder' ? 'not in folder' : key);
  const width = Math.max(...Object.keys(endpoints).map((key) => label(key).length));
  return [
    'eai hub is up:',
    ...Object.entries(endpoints).map(([key, value]) =>
      key === 'notInFolder'
        ? `  ${label(key).padEnd(width)} ${(value as string[]).join(', ')} (this connect group's, deployed earlier; eai connectors delete <name> removes one)`
        : `  ${label(key).padEnd(width)} ${value}`,
    ),
  ].join('\n');
}

/**
 * Where the orchestrator's event router started, in one line: a group without committed offsets starts at the end of
 * the topics (or their beginning with EAI_ORCHESTRATOR_OFFSET_RESET=earliest), so the operator sees whether history
 * was replayed.
 */
export function routerStartText(group: string, starts: GroupStart[]): string {
  const where = {
    committed: 'committed offsets',
    latest: 'end',
    earliest: 'beginning',
    active: 'active group',
  };
  const byWhere = new Map<string, string[]>();
  for (const start of starts)
    byWhere.set(where[start.from], [...(byWhere.get(where[start.from]) ?? []), start.topic]);
  const parts = [...byWhere].map(([at, topics]) => `${at}: ${topics.join(', ')}`);
  return `group ${group}; ${parts.join('; ')}`;
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description(
      'start the local stack (or use the configured one) and the hub, on loopback unless --host says otherwise; Ctrl-C stops the hub',
    )
    .option(
      '--port <n>',
      'ops port (health, metrics, admin API)',
      // Checked when `up` runs, not when the CLI is set up: a wrong EAI_OPS_PORT must not stop `eai map`.
      process.env.EAI_OPS_PORT ?? String(DEFAULT_OPS_PORT),
    )
    .option(
      '--host <address>',
      'the address the hub listens on: 0.0.0.0 (or ::) for every interface, as in a container (EAI_OPS_HOST; default 127.0.0.1)',
    )
    .option(
      '--deploy <dir>',
      'deployment folder: one YAML file per connector (validated at start)',
      process.env.EAI_DEPLOY,
    )
    .option(
      '--masterdata [config]',
      'also run customer master data: match canonical.customer, /customers and /sync/health (optional YAML config as for eai mdm)',
      process.env.EAI_MASTERDATA,
    )
    .option(
      '--group <name>',
      'connect group: hubs of one group share its connectors (and the ones deployed to it earlier); another group runs its own',
      process.env.EAI_CONNECT_GROUP ?? DEFAULT_CONNECT_GROUP,
    )
    .option('--mdm-schema <name>', 'PostgreSQL schema of the master data', 'mdm')
    .option(
      '--orchestrator',
      'also run the orchestrator role: order-to-delivery and complaint-return workflows and their /workflows routes (EAI_ORCHESTRATOR=1)',
    )
    .option(
      '--executor-id <id>',
      'this orchestrator instance, stable across restarts (EAI_ORCHESTRATOR_EXECUTOR_ID; default the host name)',
    )
    .option(
      '--mapping-threads <n>',
      `worker threads the sources parse, map and encode in, off the hub's event loop (EAI_MAPPING_THREADS; 0: none; auto: one a core, at most 8, none on one core: ${defaultMappingThreads()} here)`,
      process.env.EAI_MAPPING_THREADS ?? 'auto',
    )
    .option(
      '--heap-growing-percent <n>',
      "how far the old generation may grow past what survived a full garbage collection before the next one (EAI_HEAP_GROWING_PERCENT; 0: V8's own factor)",
      process.env.EAI_HEAP_GROWING_PERCENT ?? String(DEFAULT_HEAP_GROWING_PERCENT),
    )
    .option('--json', 'print the endpoints as one JSON line')
    .action(
      async (options: {
        port: string;
        host?: string;
        deploy?: string;
        masterdata?: string | boolean;
        mdmSchema: string;
        group: string;
        json?: boolean;
        orchestrator?: boolean;
        executorId?: string;
        mappingThreads: string;
        heapGrowingPercent: string;
      }) => {
        const log = createLogger('eai');
        const tokens = adminTokensFromEnv();
        // This instance's name in connector statuses (default `<host name>:<port>`), checked before anything starts.
        const instanceId = instanceIdFromEnv();
        const healthDetails = healthDetailsFromEnv();
        // Where it listens, and where the group's other instances forward webhook requests to.
        const address = instanceAddressFromEnv(process.env, options.host);
        // The orchestrator role's settings are checked before anything starts too.
        const orchestrator = orchestratorRoleFromEnv(process.env, {
          orchestrator: options.orchestrator,
          executorId: options.executorId,
        });
        // A wrong connector file or master data config is named before anything starts.
        if (options.deploy) loadDeployment(options.deploy, new Map(builtinPlugins.map((p) => [p.type, p])));
        if (!/^[A-Za-z0-9._-]+$/.test(options.group))
          throw new ConfigError(
            `--group must be a Kafka group name (letters, digits, . _ -), got "${options.group}"`,
          );
        const masterdata =
          options.masterdata && options.masterdata !== 'false' && options.masterdata !== '0'
            ? {
                config: loadMdmConfig(
                  typeof options.masterdata === 'string' && !['true', '1'].includes(options.masterdata)
                    ? options.masterdata
                    : undefined,
                ),
                schema: options.mdmSchema,
              }
            : undefined;
        const threads = options.mappingThreads.trim();
        if (threads !== 'auto' && (!/^\d+$/.test(threads) || Number(threads) > 64))
          throw new ConfigError(
            `--mapping-threads (EAI_MAPPING_THREADS) must be auto or a whole number from 0 to 64, got "${options.mappingThreads}"`,
          );
        const mappingThreads = threads === 'auto' ? defaultMappingThreads() : Number(threads);
        const heapGrowingPercent = wholeNumber(
          '--heap-growing-percent (EAI_HEAP_GROWING_PERCENT)',
          0,
          1000,
        )(options.heapGrowingPercent);
        const port = wholeNumber('--port (EAI_OPS_PORT)', 0, 65535)(options.port);
        // The address first: one that is not this machine's is wrong whatever holds the port (the spec of it failed
        // whenever anything listened on 8080).
        await checkHubHost(address.host, options.host !== undefined ? '--host' : 'EAI_OPS_HOST');
        await checkHubPort(port, 'EAI_OPS_PORT or --port');
        const stack = await stackUp((line) => log.info(line));
        // Kafka answers, or one line says so and what to do (a Kafka not there: 80 s of kafkajs retries, each a JSON
        // line, before the hub said so).
        await awaitKafka(stack.brokers);
        // A registry URL that answers 404 to every schema request (Apicurio's root instead of its API) would leave
        // every source retrying its batch for good: refused here, naming the URL to set.
        const wrongRoot = await registryRootProblem(stack.registryUrl);
        if (wrongRoot) throw new ConfigError(wrongRoot);
        const hub = await startHub({
          ...stack,
          deployDir: options.deploy,
          group: options.group,
          tokens,
          logger: log,
          port,
          host: address.host,
          masterdata,
          orchestrator,
          mappingThreads,
          heapGrowingPercent,
          ...(instanceId ? { instanceId } : {}),
          healthDetails,
          // Where the other instances of the group forward webhook requests for the connectors this one runs.
          ...(address.advertisedUrl ? { advertisedUrl: address.advertisedUrl } : {}),
        });
        const deployed = options.deploy ? resolve(options.deploy) : undefined;
        const elsewhere = deployed
          ? hub.runtime.names().filter((name) => hub.runtime.deployedFrom(name) !== deployed)
          : [];
        const endpoints = {
          api: hub.url,
          health: `${hub.url}/health/ready`,
          liveness: `${hub.url}/health/live`,
          metrics: `${hub.url}/metrics`,
          openapi: `${hub.url}/openapi.json`,
          group: options.group,
          instance: hub.instance,
          // Said when it is not this machine's loopback alone: where it listens and where the group forwards to.
          ...(address.host !== '127.0.0.1' ? { listening: `${address.host}:${port}` } : {}),
          ...(hub.advertisedUrl !== hub.url ? { advertisedUrl: hub.advertisedUrl } : {}),
          connectors: hub.runtime.names().length,
          mappingThreads,
          // Connectors of this connect group that the folder does not hold: deployed earlier from another folder
          // or over the API; they run here too, as Kafka Connect's cluster keeps what it was given.
          ...(elsewhere.length > 0 ? { notInFolder: elsewhere } : {}),
          masterdata: masterdata ? `on (schema ${masterdata.schema})` : 'off (--masterdata)',
          brokers: stack.brokers,
          registryUrl: stack.registryUrl,
          databaseUrl: maskedDatabaseUrl(stack.databaseUrl),
          ...(hub.orchestrator
            ? {
                workflows: `${hub.url}/workflows`,
                executorId: hub.orchestrator.config.executorId,
                orchestratorDatabase: hub.orchestrator.config.database,
                ...(hub.orchestrator.routerStart.length > 0
                  ? {
                      routerStart: routerStartText(
                        hub.orchestrator.config.routerGroup,
                        hub.orchestrator.routerStart,
                      ),
                    }
                  : {}),
              }
            : {}),
        };
        printResult(!!options.json, endpoints, () => endpointsText(endpoints));
        onShutdown(log, [() => hub.close()]);
      },
    );
}
