import type { Command } from 'commander';
import { createBus } from '../../bus/index.ts';
import { createLogger } from '../../lib/logger.ts';
import { onShutdown } from '../../lib/shutdown.ts';
import { adminTokensFromEnv, createAdminApi, registerWhoamiRoute } from '../../ops/api/index.ts';
import { hubChecks } from '../../ops/checks.ts';
import { registerDeadLetterRoutes } from '../../ops/routes/dead-letters.ts';
import { startOpsServer } from '../../ops/server.ts';
import { redactUrl, stackUp } from '../../stack/stack.ts';
import { printResult } from '../output.ts';

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description(
      'start the local stack (or use the configured one) and the hub, on loopback; Ctrl-C stops the hub',
    )
    .option(
      '--port <n>',
      'ops port (health, metrics, admin API)',
      (v) => Number.parseInt(v, 10),
      Number(process.env.EAI_OPS_PORT ?? 8080),
    )
    .option('--json', 'print the endpoints as one JSON line')
    .action(async (options: { port: number; json?: boolean }) => {
      const log = createLogger('eai');
      const api = createAdminApi({ tokens: adminTokensFromEnv(), logger: log });
      registerWhoamiRoute(api);
      const stack = await stackUp((line) => log.info(line));
      const bus = createBus({
        brokers: stack.brokers,
        registryUrl: stack.registryUrl,
        source: '/eai/hub',
        logger: log,
      });
      registerDeadLetterRoutes(api, { transport: bus.transport, serde: bus.serde, logger: log });
      const created = await bus.provisionTopics();
      if (created.length) log.info({ topics: created }, 'topics created');
      const ops = await startOpsServer({
        port: options.port,
        checks: hubChecks(stack),
        api,
        logger: log,
      });
      const endpoints = {
        health: `${ops.url}/health/ready`,
        liveness: `${ops.url}/health/live`,
        metrics: `${ops.url}/metrics`,
        openapi: `${ops.url}/openapi.json`,
        brokers: stack.brokers,
        registryUrl: stack.registryUrl,
        databaseUrl: redactUrl(stack.databaseUrl),
      };
      printResult(!!options.json, endpoints, () =>
        ['eai hub is up:', ...Object.entries(endpoints).map(([k, v]) => `  ${k.padEnd(12)} ${v}`)].join('\n'),
      );
      onShutdown(log, [() => ops.close()]);
    });
}
