import { afterEach, describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { type TcpGate, tcpGate } from '../tests/tcp-gate.ts';
import { KafkaWatch, kafkaWatchCheck } from './kafka-watch.ts';
import { KafkaProbe, kafkaReachable } from './probes.ts';

/**
 * A hub probes Kafka every 2 s and on each readiness call: over one kept connection, not a new client (TCP,
 * ApiVersions, secured a TLS and SASL handshake) per probe. Counted at a loopback relay in front of the broker: the
 * probes' first connection goes to the address given (the seed broker).
 */
describe('Kafka probes keep their connection', () => {
  let gate: TcpGate | undefined;
  afterEach(async () => {
    await gate?.close();
    gate = undefined;
  });

  async function gateToBroker(): Promise<TcpGate> {
    const [host, port] = testStack().brokers.split(',')[0]!.split(':');
    gate = await tcpGate({ host: host!, port: Number(port) });
    return gate;
  }

  it('a KafkaProbe answers five probes over one connection', async () => {
    const { address, accepted } = await gateToBroker();
    const probe = new KafkaProbe(address);
    try {
      for (let i = 0; i < 5; i += 1) expect(await probe.reachable()).toBe(true);
      expect(accepted()).toBe(1);
    } finally {
      await probe.close();
    }
  });

  it('kafkaReachable, a one-off answer, connects each time and closes', async () => {
    const { address, accepted } = await gateToBroker();
    for (let i = 0; i < 3; i += 1) expect(await kafkaReachable(address)).toBe(true);
    expect(accepted()).toBe(3);
  });

  it("a hub's watch and its readiness check share the watch's connection", async () => {
    const { address, accepted } = await gateToBroker();
    const watch = new KafkaWatch(address, { everyMs: 50 });
    const ready = kafkaWatchCheck(watch);
    watch.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      for (let i = 0; i < 3; i += 1) expect(await ready()).toBe(true);
      expect(watch.outage()).toBeNull();
      expect(accepted()).toBe(1);
    } finally {
      watch.stop();
    }
  });

  it('a watch started during an outage reports it, naming what failed, and clears once Kafka answers', async () => {
    const g = await gateToBroker();
    await g.shut();
    const watch = new KafkaWatch(g.address, { timeoutMs: 1_500 });
    try {
      const outage = await watch.check();
      expect(outage?.error).toMatch(/\S/);
      await expect(kafkaWatchCheck(watch)()).rejects.toThrow(outage?.error);
      await g.open();
      await expect.poll(() => watch.check(), { timeout: 10_000 }).toBeNull();
      expect(watch.outage()).toBeNull();
    } finally {
      watch.stop();
    }
  });
});
