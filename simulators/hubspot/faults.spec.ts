import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTACTS, type HubSpotHarness, startHubSpot, upsertBody } from './test-support.ts';

let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());
afterEach(async () => {
  await fetch(`${hs.sim.url}/sim/reset?empty=true`, { method: 'POST' });
});

const faults = (...list: unknown[]) =>
  fetch(`${hs.sim.url}/sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ faults: list }),
  });
const ledger = async () =>
  (await (await fetch(`${hs.sim.url}/sim/effects?entityType=contact`)).json()) as {
    count: number;
    effects: Array<{ idempotencyKey?: string }>;
  };
const upsert = (email: string, headers: Record<string, string> = {}) =>
  hs.call('POST', `${CONTACTS}/batch/upsert`, upsertBody([{ email }]), headers);

describe('faults through the HubSpot routes', () => {
  it('answers 429 RATE_LIMITS with Retry-After, not applied', async () => {
    await faults({ kind: 'rate_limit', path: '/crm/v3/objects/contacts/**', retryAfterSeconds: 2, times: 1 });
    const limited = await upsert('r@example.com');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toMatchObject({
      status: 'error',
      category: 'RATE_LIMITS',
      errorType: 'RATE_LIMIT',
      policyName: 'SECONDLY',
    });
    expect((await ledger()).count).toBe(0);
    expect((await upsert('r@example.com')).status).toBe(200);
  });

  it('fails a burst with 502 then recovers; only the success is applied', async () => {
    await faults({ kind: 'error', status: 502, times: 2, method: 'POST' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await upsert('b@example.com')).status);
    expect(statuses).toEqual([502, 502, 200]);
    expect((await ledger()).count).toBe(1);
  });

  it('drops the connection after applying; a replay under the same Idempotency-Key is not applied again', async () => {
    await faults({ kind: 'drop', afterApply: true, times: 1 });
    const headers = { 'idempotency-key': 'sync-run-1-batch-1' };
    await expect(upsert('k@example.com', headers)).rejects.toThrow(/fetch failed/);
    const retry = await upsert('k@example.com', headers);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const effects = await ledger();
    expect(effects.count).toBe(1);
    expect(effects.effects[0]?.idempotencyKey).toBe('sync-run-1-batch-1');
    // Without the key the same upsert is applied (as an update that changes nothing).
    expect(
      ((await (await upsert('k@example.com')).json()) as { results: Array<{ new: boolean }> }).results[0]
        ?.new,
    ).toBe(false);
  });

  it('answers unknown routes in HubSpot shape', async () => {
    const response = await hs.call('GET', '/crm/v3/objects/widgets/1/nothing');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });
});

describe('state file', () => {
  it('a restarted simulator remembers contacts, ids and the app credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubspot-state-'));
    const statePath = join(dir, 'hubspot.json');
    try {
      const first = await startHubSpot({ statePath });
      const made = (await (
        await first.call('POST', CONTACTS, { properties: { email: 'keep@example.com' } })
      ).json()) as { id: string };
      await first.sim.close();
      const second = await startHubSpot({ statePath });
      expect(second.app.clientSecret).toBe(first.app.clientSecret);
      const got = await second.json<{ id: string }>('GET', `${CONTACTS}/keep@example.com?idProperty=email`);
      expect(got.body.id).toBe(made.id);
      await second.sim.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
