import { pino } from 'pino';
import { testBus, unique } from '../../tests/stack.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';

/**
 * A connector runtime on the real broker, with every built-in plugin, a connect group of its own and quick sink
 * retries (bounded unless `sinkRetry` says otherwise).
 */
export async function startRuntime(
  source: string,
  sinkRetry: ConstructorParameters<typeof ConnectorRuntime>[0]['sinkRetry'] = {
    retries: 1,
    initialDelayMs: 10,
    maxDelayMs: 20,
  },
) {
  const bus = testBus(source);
  await bus.provisionTopics();
  const runtime = new ConnectorRuntime({
    bus,
    plugins: builtinPlugins,
    logger: pino({ level: 'silent' }),
    group: unique('connect'),
    sinkRetry,
  });
  await runtime.start();
  return { bus, runtime };
}
