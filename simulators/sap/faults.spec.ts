import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SapErrorBody } from './errors.ts';
import type { SapCustomer } from './state.ts';
import { type SapHarness, startSap } from './test-support.ts';

const body = { NAME1: 'Fault Test AG', LAND1: 'CH', WAERS: 'CHF', KLIMK: 1000 };

describe('SAP simulator: faults, idempotency, reset and state', () => {
  let sap: SapHarness;
  beforeAll(async () => {
    sap = await startSap();
  });
  afterAll(() => sap.close());

  it('answers 429 with Retry-After and 503 in the SAP shape, without applying the change', async () => {
    await sap.call('POST', '/sim/faults', [
      { kind: 'rate_limit', path: '/sap/customers/*', method: 'PUT', times: 1, retryAfterSeconds: 3 },
      { kind: 'error', status: 503, path: '/sap/credit-check', times: 1 },
    ]);
    const limited = await sap.call<SapErrorBody>('PUT', '/sap/customers/6001', body);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    const down = await sap.call<SapErrorBody>('POST', '/sap/credit-check', {
      KUNNR: '6001',
      amount: 1,
      currency: 'CHF',
    });
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect((await sap.call('GET', '/sap/customers/6001')).status).toBe(404);
  });

  it("refuses a request with an injected 4xx, without applying it; a 429 is rate_limit's", async () => {
    await sap.call('POST', '/sim/faults', [
      { kind: 'error', status: 422, path: '/sap/customers/*', times: 1 },
    ]);
    const refused = await sap.call<SapErrorBody>('PUT', '/sap/customers/6003', body);
    expect(refused.status).toBe(422);
    expect(typeof refused.body.error.code).toBe('string');
    expect((await sap.call('GET', '/sap/customers/6003')).status).toBe(404);
    const bad = await sap.call<{ error: string }>('POST', '/sim/faults', [{ kind: 'error', status: 429 }]);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('use kind rate_limit for a 429');
  });

  it('applies a PUT retried with the same Idempotency-Key once, even when the first answer was dropped', async () => {
    await sap.call('POST', '/sim/faults', [
      { kind: 'drop', afterApply: true, path: '/sap/customers/*', times: 1 },
    ]);
    const headers = { 'Idempotency-Key': 'put-6002' };
    await expect(sap.call('PUT', '/sap/customers/6002', body, headers)).rejects.toThrow();
    const retried = await sap.call('PUT', '/sap/customers/6002', body, headers);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const effects = await sap.call<{ count: number; effects: { idempotencyKey?: string }[] }>(
      'GET',
      '/sim/effects?entityId=0000006002',
    );
    expect(effects.body.count).toBe(1);
    expect(effects.body.effects[0]!.idempotencyKey).toBe('put-6002');
  });

  it('slows answers down on demand', async () => {
    await sap.call('POST', '/sim/faults', [{ kind: 'slow', delayMs: 150, path: '/sap/customers', times: 1 }]);
    const started = Date.now();
    expect((await sap.call('GET', '/sap/customers')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('forgets customers, orders and effects on reset', async () => {
    await sap.call('POST', '/sim/orders', { count: 1 });
    expect((await sap.call('POST', '/sim/reset')).status).toBe(204);
    const list = await sap.call<{ d: { results: SapCustomer[] } }>('GET', '/sap/customers');
    expect(list.body.d.results).toEqual([]);
    expect((await sap.call<{ count: number }>('GET', '/sim/orders')).body.count).toBe(0);
    expect((await sap.call<{ count: number }>('GET', '/sim/effects')).body.count).toBe(0);
  });
});

describe('SAP simulator: state file', () => {
  it('remembers customers and DOCNUM counters across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sap-state-'));
    const statePath = join(dir, 'sap.json');
    try {
      const first = await startSap({ statePath });
      await first.call('PUT', '/sap/customers/7001', body);
      const drop1 = await first.call<{ files: { docnums: string[] }[] }>('POST', '/sim/orders', { count: 1 });
      await first.close();
      const second = await startSap({ statePath });
      expect((await second.call('GET', '/sap/customers/7001')).status).toBe(200);
      const drop2 = await second.call<{ files: { docnums: string[] }[] }>('POST', '/sim/orders', {
        count: 1,
      });
      expect(Number(drop2.body.files[0]!.docnums[0])).toBe(Number(drop1.body.files[0]!.docnums[0]) + 1);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
