import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCustomers } from '../generator/generate.ts';
import { toJsonl } from '../generator/jsonl.ts';
import type { CreditCheckResult } from './credit.ts';
import type { SapErrorBody } from './errors.ts';
import type { SapCustomer } from './state.ts';
import { type SapHarness, startSap } from './test-support.ts';

const seedDir = mkdtempSync(join(tmpdir(), 'sap-seed-'));
const generated = generateCustomers({ seed: 42, entities: 60 });
const sapRecords = generated.records.filter((r) => r.system === 'sap');
const seedPath = join(seedDir, 'all.jsonl');
writeFileSync(seedPath, toJsonl(generated.records));

type List = { d: { results: SapCustomer[]; __count?: string } };
type Credit = { d: CreditCheckResult };

function expectSapError(body: unknown, code: string): void {
  const { error } = body as SapErrorBody;
  expect(error.code).toBe(code);
  expect(error.message.lang).toBe('en');
  expect(typeof error.message.value).toBe('string');
}

const customer = (over: Partial<SapCustomer> = {}) => ({
  NAME1: 'Credit Test GmbH',
  LAND1: 'DE',
  WAERS: 'EUR',
  KLIMK: 10_000,
  SKFOR: 3000,
  SAUFT: 2000,
  ...over,
});

describe('SAP simulator: customer master', () => {
  let sap: SapHarness;
  beforeAll(async () => {
    sap = await startSap({ seed: seedPath });
  });
  afterAll(async () => {
    await sap.close();
    rmSync(seedDir, { recursive: true, force: true });
  });

  it('is seeded from the generator file (SAP lines only) and pages with $top/$skip', async () => {
    const all = await sap.call<List>('GET', '/sap/customers?$inlinecount=allpages');
    expect(all.body.d.__count).toBe(String(sapRecords.length));
    const pages: SapCustomer[] = [];
    for (let skip = 0; ; skip += 7) {
      const page = await sap.call<List>('GET', `/sap/customers?$top=7&$skip=${skip}`);
      pages.push(...page.body.d.results);
      if (page.body.d.results.length < 7) break;
    }
    expect(pages.map((c) => c.KUNNR)).toEqual(all.body.d.results.map((c) => c.KUNNR));
    const first = sapRecords[0]!.record as Record<string, unknown>;
    const one = await sap.call<{ d: SapCustomer }>('GET', `/sap/customers/${Number(first.KUNNR)}`);
    expect(one.body.d).toMatchObject({ KUNNR: first.KUNNR, NAME1: first.NAME1, KLIMK: first.KLIMK });
    expect(one.body.d.OBLIG).toBeCloseTo(one.body.d.SKFOR + one.body.d.SAUFT, 2);
  });

  it('creates with 201, updates with 204, derives the exposure and counts both in /sim/effects', async () => {
    const created = await sap.call<{ d: SapCustomer }>('PUT', '/sap/customers/4711', customer({ OBLIG: 1 }));
    expect(created.status).toBe(201);
    expect(created.body.d).toMatchObject({ KUNNR: '0000004711', OBLIG: 5000, CRBLB: '' });
    const updated = await sap.call('PUT', '/sap/customers/0000004711', { d: customer({ SAUFT: 2500 }) });
    expect(updated.status).toBe(204);
    const read = await sap.call<{ d: SapCustomer }>('GET', '/sap/customers/4711');
    expect(read.body.d.OBLIG).toBe(5500);
    const effects = await sap.call<{ effects: { operation: string }[] }>(
      'GET',
      '/sim/effects?entityId=0000004711',
    );
    expect(effects.body.effects.map((e) => e.operation)).toEqual(['create', 'update']);
  });

  it('answers errors in the Gateway shape: unknown customer, invalid fields, malformed JSON, unknown route', async () => {
    const missing = await sap.call('GET', '/sap/customers/9999999999');
    expect(missing.status).toBe(404);
    expectSapError(missing.body, 'F2/153');
    const invalid = await sap.call('PUT', '/sap/customers/4712', { NAME1: '', LAND1: 'Germany', KLIMK: -5 });
    expect(invalid.status).toBe(400);
    expectSapError(invalid.body, 'CUSTOMER_INVALID');
    const targets = (invalid.body as SapErrorBody).error.innererror.errordetails.map(
      (d) => (d as { target?: string }).target,
    );
    expect(targets).toEqual(expect.arrayContaining(['NAME1', 'LAND1', 'KLIMK']));
    const mismatch = await sap.call('PUT', '/sap/customers/4712', customer({ KUNNR: '4713' }));
    expectSapError(mismatch.body, 'CUSTOMER_INVALID');
    const badJson = await sap.call('PUT', '/sap/customers/4712', '{"NAME1":');
    expect(badJson.status).toBe(400);
    expectSapError(badJson.body, '/IWBEP/CM_MGW_RT/005');
    const badPage = await sap.call('GET', '/sap/customers?$top=-1');
    expectSapError(badPage.body, '/IWBEP/CM_MGW_RT/003');
    const route = await sap.call('GET', '/sap/nothing');
    expect(route.status).toBe(404);
    expectSapError(route.body, '/IWBEP/CM_MGW_RT/020');
  });
});

describe('SAP simulator: credit check', () => {
  let sap: SapHarness;
  beforeAll(async () => {
    sap = await startSap();
    await sap.call('PUT', '/sap/customers/5001', customer());
    await sap.call('PUT', '/sap/customers/5002', customer({ ZZARREARS: 800, ZZARREARS_DAYS: 45 }));
    await sap.call('PUT', '/sap/customers/5003', customer({ CRBLB: 'X' }));
  });
  afterAll(() => sap.close());

  const check = (KUNNR: string, amount: number, currency = 'EUR') =>
    sap.call<Credit>('POST', '/sap/credit-check', { KUNNR, amount, currency });

  it('approves within the limit and blocks past it, counting receivables and open orders', async () => {
    const ok = await check('5001', 4999);
    expect(ok.body.d).toMatchObject({
      result: 'approved',
      exposure: 5000,
      available: 5000,
      creditLimit: 10_000,
    });
    expect(ok.body.d.reason).toBeUndefined();
    const over = await check('5001', 5001);
    expect(over.body.d.result).toBe('blocked');
    expect(over.body.d.reason?.code).toBe('CREDIT_LIMIT_EXCEEDED');
    // 5000 USD is 4600 EUR at the simulator's rate: within the limit in the credit currency.
    const usd = await check('5001', 5000, 'USD');
    expect(usd.body.d).toMatchObject({ result: 'approved', creditAmount: 4600, creditCurrency: 'EUR' });
  });

  it('blocks for overdue arrears and for a credit block, whatever the amount', async () => {
    const overdue = await check('5002', 1);
    expect(overdue.body.d.reason?.code).toBe('OLDEST_OPEN_ITEM_OVERDUE');
    const blocked = await check('5003', 1);
    expect(blocked.body.d.reason?.code).toBe('CREDIT_BLOCKED');
  });

  it('sees the exposure grow with the orders the simulator sends for the customer', async () => {
    await sap.call('POST', '/sim/orders', { count: 3, variant: 'plain' });
    const orders = await sap.call<{ orders: { kunnr: string; amount: number }[] }>('GET', '/sim/orders');
    const added = orders.body.orders
      .filter((o) => o.kunnr === '0000005001')
      .reduce((s, o) => s + o.amount, 0);
    const after = await check('5001', 0);
    expect(after.body.d.openOrders).toBeCloseTo(2000 + added, 2);
  });

  it('books orders sold to a named party on it alone; an unknown party is refused and no order made', async () => {
    const exposures = async () =>
      Promise.all(['5001', '5002', '5003'].map(async (kunnr) => (await check(kunnr, 0)).body.d.exposure));
    const [before5001, before5002, before5003] = await exposures();
    const made = await sap.call('POST', '/sim/orders', { count: 6, variant: 'plain', soldTo: '5003' });
    expect(made.status).toBe(201);
    const orders = (await sap.call<{ orders: { kunnr: string; amount: number }[] }>('GET', '/sim/orders'))
      .body.orders;
    const mine = orders.slice(-6);
    expect(mine.map((o) => o.kunnr)).toEqual(Array(6).fill('0000005003'));
    const added = mine.reduce((s, o) => s + o.amount, 0);
    expect(added).toBeGreaterThan(0);
    const [after5001, after5002, after5003] = await exposures();
    expect([after5001, after5002]).toEqual([before5001, before5002]);
    expect(after5003).toBeCloseTo(before5003! + added, 2);

    const unknown = await sap.call<{ error: string }>('POST', '/sim/orders', { count: 1, soldTo: '999' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('soldTo: customer 999 does not exist in the customer master');
    const count = (await sap.call<{ count: number }>('GET', '/sim/orders')).body.count;
    expect(count).toBe(orders.length);
  });

  it('logs each check as an effect once, a retry under the same idempotency key replayed', async () => {
    const body = { KUNNR: '5003', amount: 10, currency: 'EUR' };
    const key = `credit-${Date.now()}`;
    const first = await sap.call<Credit>('POST', '/sap/credit-check', body, { 'Idempotency-Key': key });
    const again = await sap.call<Credit>('POST', '/sap/credit-check', body, { 'Idempotency-Key': key });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const effects = await sap.call<{ effects: Array<Record<string, unknown>> }>(
      'GET',
      `/sim/effects?entityType=CREDIT_CHECK&idempotencyKey=${key}`,
    );
    expect(effects.body.effects).toEqual([
      expect.objectContaining({
        entityId: '0000005003',
        operation: 'check',
        idempotencyKey: key,
        detail: { amount: 10, currency: 'EUR', result: 'blocked', reason: 'CREDIT_BLOCKED' },
      }),
    ]);
  });

  it('refuses bad checks in the SAP shape', async () => {
    const unknownCustomer = await check('123', 1);
    expect(unknownCustomer.status).toBe(404);
    expectSapError(unknownCustomer.body, 'F2/153');
    const currency = await check('5001', 1, 'XYZ');
    expect(currency.status).toBe(400);
    expectSapError(currency.body, 'SG/105');
    const shape = await sap.call('POST', '/sap/credit-check', { KUNNR: '5001', amount: 'lots' });
    expect(shape.status).toBe(400);
    expectSapError(shape.body, 'CREDIT_CHECK_INVALID');
  });
});
