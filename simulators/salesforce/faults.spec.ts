import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../common/test-support.ts';
import { API, getToken, type SalesforceHarness, startSalesforce } from './test-support.ts';

interface Effects {
  count: number;
  effects: Array<{ entityId: string; operation: string; idempotencyKey?: string }>;
}
interface Envelope {
  payload: { Name: string; ChangeEventHeader: { recordIds: string[] } };
}

let sf: SalesforceHarness;
let hook: WebhookReceiver | undefined;
beforeAll(async () => {
  sf = await startSalesforce();
});
afterAll(() => sf.sim.close());
afterEach(async () => {
  await hook?.close();
  hook = undefined;
  await sf.control('POST', '/sim/reset?empty=true');
});

const accounts = `${API}/sobjects/Account`;
const faults = (...list: unknown[]) => sf.json('POST', '/sim/faults', { faults: list });
const effects = () => sf.control<Effects>('GET', '/sim/effects?entityType=Account');
const createAccount = (name: string, init: RequestInit = {}) =>
  fetch(`${sf.sim.url}${accounts}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${sf.token}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
    body: JSON.stringify({ Name: name }),
    ...(init.signal ? { signal: init.signal } : {}),
  });

describe('HTTP faults', () => {
  it('lists faults, scopes them to an endpoint, and heals on DELETE', async () => {
    const added = await faults({
      kind: 'rate_limit',
      method: 'POST',
      path: '/services/data/*/sobjects/Contact',
    });
    expect(added.status).toBe(201);
    const listed = await sf.control<{ faults: Array<{ kind: string; remaining: null }> }>(
      'GET',
      '/sim/faults',
    );
    expect(listed.faults).toMatchObject([{ kind: 'rate_limit', remaining: null }]);
    expect((await createAccount('not affected')).status).toBe(201);
    expect((await sf.call('POST', `${API}/sobjects/Contact`, { LastName: 'x' })).status).toBe(403);
    expect((await sf.call('DELETE', '/sim/faults')).status).toBe(204);
    expect((await sf.call('POST', `${API}/sobjects/Contact`, { LastName: 'x' })).status).toBe(201);
    const invalid = await faults({ kind: 'meteor' });
    expect(invalid.status).toBe(400);
  });

  it('answers a spent API limit as the REST API does: 403 REQUEST_LIMIT_EXCEEDED, no Retry-After, not applied', async () => {
    await faults({ kind: 'rate_limit', path: '/services/data/**', retryAfterSeconds: 7, times: 1 });
    const limited = await createAccount('Acme');
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(await limited.json()).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect((await createAccount('Acme')).status).toBe(201);
    expect((await effects()).count).toBe(1);
  });

  it('fails a burst of requests with 5xx, then recovers; nothing failed is applied', async () => {
    await faults({ kind: 'error', status: 503, times: 3, path: '/services/data/**' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await createAccount('Burst')).status);
    expect(statuses).toEqual([503, 503, 503, 201]);
    expect((await effects()).count).toBe(1);
  });

  it('slows responses down', async () => {
    await faults({ kind: 'slow', delayMs: 300, times: 1 });
    const started = performance.now();
    expect((await createAccount('Slow')).status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('times out: never answers (not applied), or applies and answers after the client gave up', async () => {
    await faults({ kind: 'timeout', times: 1 });
    await expect(createAccount('Never', { signal: AbortSignal.timeout(200) })).rejects.toThrow(
      /timeout|aborted/i,
    );
    expect((await effects()).count).toBe(0);

    await faults({ kind: 'timeout', afterApply: true, delayMs: 400, times: 1 });
    await expect(createAccount('Late', { signal: AbortSignal.timeout(200) })).rejects.toThrow(
      /timeout|aborted/i,
    );
    expect((await effects()).count).toBe(1);
  });

  it('drops the connection; with afterApply the write landed and a replay with the same Idempotency-Key is not applied twice', async () => {
    await faults({ kind: 'drop', times: 1 });
    await expect(createAccount('Dropped')).rejects.toThrow(/fetch failed/);
    expect((await effects()).count).toBe(0);

    await faults({ kind: 'drop', afterApply: true, times: 1 });
    const headers = { 'idempotency-key': 'order-4711' };
    await expect(createAccount('Applied then dropped', { headers })).rejects.toThrow(/fetch failed/);
    const retry = await createAccount('Applied then dropped', { headers });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const { id } = (await retry.json()) as { id: string };
    const ledger = await effects();
    expect(ledger.count).toBe(1);
    expect(ledger.effects[0]).toMatchObject({
      entityId: id,
      operation: 'create',
      idempotencyKey: 'order-4711',
    });
    const stored = await sf.json<{ totalSize: number }>(
      'GET',
      `${API}/query?q=${encodeURIComponent('SELECT Id FROM Account')}`,
    );
    expect(stored.body.totalSize).toBe(1);
  });
});

describe('idempotency and sessions', () => {
  it('keeps no answer for a 401: a resend with the same Idempotency-Key and a fresh token is applied once', async () => {
    // Its own simulator: expiring the sessions would end the shared harness's too.
    const own = await startSalesforce();
    try {
      const post = (token: string) =>
        fetch(`${own.sim.url}${accounts}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': 'order-4712',
          },
          body: JSON.stringify({ Name: 'Expired' }),
        });
      await own.call('POST', '/sim/expire-tokens');
      expect((await post(own.token)).status).toBe(401);
      const fresh = await getToken(own.sim.url, 'eai-hub');
      const resent = await post(fresh);
      expect(resent.status).toBe(201);
      expect(resent.headers.get('idempotent-replayed')).toBeNull();
      expect((await post(fresh)).headers.get('idempotent-replayed')).toBe('true');
      expect((await own.control<Effects>('GET', '/sim/effects')).count).toBe(1);
    } finally {
      await own.sim.close();
    }
  });
});

describe('webhook faults', () => {
  async function subscribe(): Promise<WebhookReceiver> {
    hook = await startWebhookReceiver();
    await sf.json('POST', '/sim/subscriptions', { url: hook.url, channel: '/data/AccountChangeEvent' });
    return hook;
  }
  const names = (received: unknown[]) => (received as Envelope[]).map((e) => e.payload.Name);

  it('duplicates a delivery: the subscriber sees the event twice, the system applied it once', async () => {
    const receiver = await subscribe();
    await faults({ kind: 'webhook_duplicate', times: 1 });
    const created = (await (await createAccount('Twice')).json()) as { id: string };
    await receiver.waitFor(2);
    expect(names(receiver.received)).toEqual(['Twice', 'Twice']);
    expect(receiver.received[0]).toEqual(receiver.received[1]);
    const ledger = await effects();
    expect(ledger.effects.filter((e) => e.entityId === created.id)).toHaveLength(1);
    const { deliveries } = await sf.control<{ deliveries: Array<{ duplicate?: boolean }> }>(
      'GET',
      '/sim/deliveries?wait=true',
    );
    expect(deliveries.filter((d) => d.duplicate)).toHaveLength(1);
  });

  it('delivers out of order: a later event overtakes an earlier one', async () => {
    const receiver = await subscribe();
    await faults({ kind: 'webhook_reorder', times: 1, holdMs: 2000 });
    await createAccount('First');
    await createAccount('Second');
    await receiver.waitFor(2);
    expect(names(receiver.received)).toEqual(['Second', 'First']);
  });

  it('loses a delivery: the subscriber never sees it, the delivery log says lost', async () => {
    const receiver = await subscribe();
    await faults({ kind: 'webhook_lose', times: 1 });
    await createAccount('Lost');
    await createAccount('Kept');
    await receiver.waitFor(1);
    const { deliveries } = await sf.control<{ deliveries: Array<{ outcome: string }> }>(
      'GET',
      '/sim/deliveries?wait=true',
    );
    expect(names(receiver.received)).toEqual(['Kept']);
    expect(deliveries.map((d) => d.outcome)).toEqual(['lost', 'delivered']);
  });
});
