// A connector runtime in a process of its own, for the crash tests (connectors/runtime/crash.int.spec.ts), which
// SIGKILL it. Usage: node tests/connect-worker.ts '<json WorkerSpec>'. It starts a ConnectorRuntime with the
// built-in plugins in the given group, deploys the given connectors, serves the webhook connector (if any) on
// 127.0.0.1:<port>, prints one line `{"ready":true,...}` on stdout and runs until killed (SIGTERM stops it cleanly).
import { createBus } from '../bus/index.ts';
import { builtinPlugins, ConnectorRuntime, MappingPool } from '../connectors/index.ts';
import { validateDefinition } from '../connectors/runtime/definition.ts';
import { serveOnLoopback } from '../connectors/transports/test-support.ts';
import { createLogger } from '../lib/logger.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';

export interface WorkerSpec {
  brokers: string;
  registryUrl: string;
  group: string;
  workerId: string;
  /** Connector definitions, as a deployment file holds them. */
  connectors: unknown[];
  /** Serves this webhook connector on 127.0.0.1:port. */
  webhook?: { connector: string; port: number };
  sessionTimeoutMs?: number;
  /** Maps the sources' documents in this many threads (the hub's `mappingThreads`); default none. */
  mappingThreads?: number;
}

quietKnownWarnings();
const spec = JSON.parse(process.argv[2] ?? '') as WorkerSpec;
const logger = createLogger(`connect-worker-${spec.workerId}`, process.env.EAI_LOG_LEVEL ?? 'warn');
const bus = createBus({
  brokers: spec.brokers,
  registryUrl: spec.registryUrl,
  clientId: spec.workerId,
  logger,
});
const mappingPool = spec.mappingThreads
  ? new MappingPool({ threads: spec.mappingThreads, brokers: spec.brokers, registryUrl: spec.registryUrl })
  : undefined;
const runtime = new ConnectorRuntime({
  bus,
  plugins: builtinPlugins,
  logger,
  group: spec.group,
  workerId: spec.workerId,
  sessionTimeoutMs: spec.sessionTimeoutMs,
  mappingPool,
});
const started = Date.now();
const server = spec.webhook
  ? await serveOnLoopback(
      (request) => runtime.webhook(spec.webhook!.connector, request),
      '',
      spec.webhook.port,
    )
  : undefined;
await runtime.start();
const definitions = spec.connectors.map((raw, i) =>
  validateDefinition(raw, runtime.plugins, `connector ${i}`),
);
await runtime.deploy(definitions, process.cwd());
process.stdout.write(
  `${JSON.stringify({ ready: true, workerId: runtime.workerId, pid: process.pid, url: server?.url, startMs: Date.now() - started })}\n`,
);
process.once('SIGTERM', () => {
  void Promise.all([runtime.stop().then(() => mappingPool?.close()), server?.close()]).finally(() =>
    process.exit(0),
  );
});
