import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditMemoRequest } from './state.ts';
import { type SapHarness, startSap } from './test-support.ts';

/** The hub's credit memo request IDoc (its mapping's expected output), crediting `order` as document `belnr`. */
function creditMemoIdoc(order: string, belnr: string, docnum: string): string {
  const template = readFileSync(
    new URL(
      '../../mappings/sap/credit-memo-request.from-canonical.expected/credit-memo-request-cr.json.out',
      import.meta.url,
    ),
    'utf8',
  );
  return template
    .replace('<BELNR>0000004711</BELNR>', `<BELNR>${order}</BELNR>`)
    .replace('<BELNR>CMR-00001000</BELNR>', `<BELNR>${belnr}</BELNR>`)
    .replace(/<DOCNUM>\d+<\/DOCNUM>/, `<DOCNUM>${docnum}</DOCNUM>`);
}

type Effect = { entityId: string; operation: string; detail: { reason?: string } };

describe('SAP simulator: inbound credit memo requests (ORDERS, document type CR)', () => {
  let sap: SapHarness;
  let order: string;
  beforeAll(async () => {
    sap = await startSap();
    mkdirSync(sap.inboundDir, { recursive: true });
    await sap.call('POST', '/sim/orders', { count: 1, variant: 'plain' });
    order = (await sap.call<{ orders: { orderNumber: string }[] }>('GET', '/sim/orders')).body.orders[0]!
      .orderNumber;
  });
  afterAll(() => sap.close());

  it('creates one CR sales document per sender document; refuses a repeat, a repeated DOCNUM and an unknown order', async () => {
    writeFileSync(join(sap.inboundDir, 'cr1.xml'), creditMemoIdoc(order, 'CMR-1', '0000000070000001'));
    writeFileSync(join(sap.inboundDir, 'cr2.xml'), creditMemoIdoc(order, 'CMR-1', '0000000070000002'));
    writeFileSync(join(sap.inboundDir, 'cr3.xml'), creditMemoIdoc(order, 'CMR-3', '0000000070000001'));
    writeFileSync(join(sap.inboundDir, 'cr4.xml'), creditMemoIdoc('0099999999', 'CMR-4', '0000000070000004'));
    const poll = await sap.call<{ files: { file: string; outcome: string; reason?: string }[] }>(
      'POST',
      '/sim/inbound/poll',
    );
    expect(poll.body.files.map((f) => [f.file, f.outcome])).toEqual([
      ['cr1.xml', 'processed'],
      ['cr2.xml', 'error'],
      ['cr3.xml', 'error'],
      ['cr4.xml', 'error'],
    ]);
    const reasons = poll.body.files.map((f) => f.reason ?? '');
    expect(reasons[1]).toMatch(/document CMR-1 of EAI is already credit memo request 0060000001/);
    expect(reasons[2]).toMatch(/IDoc 0000000070000001 was already received/);
    expect(reasons[3]).toMatch(/reference order 0099999999 does not exist/);
    const { body } = await sap.call<{ creditMemoRequests: CreditMemoRequest[] }>(
      'GET',
      '/sim/credit-memo-requests',
    );
    expect(body.creditMemoRequests).toEqual([
      expect.objectContaining({
        salesDocument: '0060000001',
        senderDocument: 'CMR-1',
        sender: 'EAI',
        documentType: 'CR',
        referenceOrder: order,
        purchaseOrderNumber: 'PO-2026-0042',
        currency: 'EUR',
      }),
    ]);
    const effects = await sap.call<{ effects: Effect[] }>('GET', '/sim/effects?entityType=CreditMemoRequest');
    expect(effects.body.effects.map((e) => [e.entityId, e.operation])).toEqual([
      ['CMR-1', 'create'],
      ['CMR-1', 'reject'],
      ['CMR-3', 'reject'],
      ['CMR-4', 'reject'],
    ]);
  });
});
