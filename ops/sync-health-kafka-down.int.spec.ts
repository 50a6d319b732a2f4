/**
 * A sink's lag while the broker does not answer, on a real client: a bus to the test stack's broker behind a TCP gate
 * that hangs (a network partition: connections taken, never answered), so each lag query waits. However often the
 * status asks, one query is under way at a time. (Sync health answering within its deadline on such a broker:
 * sync-health-unknown.int.spec.ts.)
 */
import { describe, expect, it } from 'vitest';
import { type Bus, createBus, type Transport } from '../bus/index.ts';
import { newCounters } from '../connectors/runtime/connector-metrics.ts';
import { SinkHost } from '../connectors/runtime/sink-host.ts';
import { createLogger } from '../lib/logger.ts';
import { testStack, unique } from '../tests/stack.ts';
import { tcpGate } from '../tests/tcp-gate.ts';

/** The bus's real transport, counting the admin clients it makes. */
function countingAdmins(bus: Bus): { bus: Bus; admins: () => number } {
  let admins = 0;
  const transport = new Proxy(bus.transport, {
    get(target, property) {
      if (property === 'admin')
        return () => {
          admins += 1;
          return target.admin();
        };
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Transport;
  return { bus: { ...bus, transport }, admins: () => admins };
}

describe("a sink's lag while the broker does not answer", () => {
  it('is one query at a time, however often the status is asked', async () => {
    const [host, port] = testStack().brokers.split(',')[0]!.split(':');
    const gate = await tcpGate({ host: host!, port: Number(port) });
    gate.hang();
    try {
      const { bus, admins } = countingAdmins(
        createBus({
          brokers: gate.address,
          registryUrl: testStack().registryUrl,
          source: '/eai/tests/sink-lag',
          clientId: unique('lag'),
          logger: createLogger('sink-lag-spec', 'silent'),
        }),
      );
      const sink = new SinkHost({
        name: unique('crm-sink'),
        group: 'eai-connect',
        task: { put: async () => undefined, stop: async () => undefined },
        bus,
        topics: ['canonical.customer'],
        counters: newCounters(),
        logger: createLogger('sink-lag-spec', 'silent'),
      });
      const lags = [sink.lag(), sink.lag(), sink.lag()];
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(admins()).toBe(1);
      // The three asked the same query: one outcome for all.
      expect(new Set(lags).size).toBe(1);
      void Promise.allSettled(lags);
    } finally {
      await gate.close();
    }
  });
});
