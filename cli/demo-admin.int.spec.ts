import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { tcpGate } from '../tests/tcp-gate.ts';
import { demoAdmin } from './commands/demo.ts';

describe("eai demo: its Kafka admin rides out a broker's passing refusal", () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('connects once the broker answers again, a moment after a refused connection', async () => {
    const [host, port] = testStack().brokers.split(',')[0]!.split(':');
    const gate = await tcpGate({ host: host!, port: Number(port) });
    closers.push(() => gate.close());
    await gate.shut();
    const admin = demoAdmin(gate.address);
    closers.push(() => admin.disconnect());
    const connected = admin.connect();
    await sleep(500);
    await gate.open();
    await expect(connected).resolves.toBeUndefined();
    expect(await admin.listTopics()).toEqual(expect.any(Array));
  });
});
