import { afterEach, describe, expect, it } from 'vitest';
import { startOpsServer } from './server.ts';

/** How long `promise` took to settle, or null if it did not within `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<number | null> {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  const took = await Promise.race([promise.then(() => Date.now() - start), late]);
  clearTimeout(timer);
  return took;
}

describe('closing the ops port (a SIGTERM)', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  it('ends while a keep-alive client keeps requests in flight, each answered before its connection closes', async () => {
    // A webhook sender (or the other hub forwarding) with overlapping requests on keep-alive connections: Node's
    // close() waited for those connections to go idle, which they never did (30 s shutdown timeout in the HA trial).
    const server = await startOpsServer({
      checks: {},
      webhooks: () => new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), 150)),
      timeouts: { drainMs: 10_000 },
    });
    let sending = true;
    stops.push(() => {
      sending = false;
      server.server.closeAllConnections();
    });
    const statuses: Array<number | string> = [];
    const sender = (async () => {
      const inFlight: Array<Promise<void>> = [];
      while (sending) {
        inFlight.push(
          fetch(`${server.url}/webhooks/orders`, { method: 'POST', body: '{}' }).then(
            async (res) => {
              await res.text();
              statuses.push(res.status);
            },
            () => {
              statuses.push('refused');
            },
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      await Promise.all(inFlight);
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const took = await settledWithin(server.close(), 5000);
    sending = false;
    await sender;
    expect(took).not.toBeNull();
    expect(took).toBeLessThan(2000);
    // The requests under way were answered, not cut.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
  });

  it('cuts a request that does not end within the drain time', async () => {
    const server = await startOpsServer({
      checks: {},
      webhooks: () => new Promise(() => undefined),
      timeouts: { drainMs: 300 },
    });
    stops.push(() => server.server.closeAllConnections());
    const answer = fetch(`${server.url}/webhooks/orders`, { method: 'POST', body: '{}' }).then(
      (res) => res.status,
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const took = await settledWithin(server.close(), 5000);
    expect(took).not.toBeNull();
    expect(took).toBeLessThan(2000);
    expect(await answer).toBe('cut');
  });
});
