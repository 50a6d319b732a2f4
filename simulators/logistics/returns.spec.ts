import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader as epcisReader } from '../../formats/epcis-2/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../common/test-support.ts';
import { type LogisticsHarness, startLogistics } from './test-support.ts';

type Doc = { epcisBody: { eventList: Record<string, unknown>[] } };
type Effect = { entityType: string; entityId: string; operation: string; idempotencyKey?: string };

let n = 0;
function returnBody(overrides: Record<string, unknown> = {}) {
  n++;
  return {
    rmaNumber: `RMA-${Date.now().toString(36)}-${n}`,
    orderNumber: '0000004711',
    purchaseOrderNumber: 'PO-2026-0042',
    reason: 'damaged in transit',
    lines: [
      { lineNumber: 10, sku: 'MAT-100234', gtin: '4006381333931', quantity: 2, reason: 'cracked housing' },
      { sku: 'MAT-100235', quantity: 1 },
    ],
    ...overrides,
  };
}

describe('logistics simulator: returns', () => {
  let capture: WebhookReceiver;
  let logistics: LogisticsHarness;
  beforeAll(async () => {
    capture = await startWebhookReceiver('/capture');
    // Receipts only when a test triggers them (an hour is longer than any test).
    logistics = await startLogistics({ captureUrl: capture.url, returnDelayMs: 3_600_000 });
  });
  afterAll(async () => {
    await logistics.close();
    await capture.close();
  });

  it('authorises a return once per Idempotency-Key and refuses its RMA number a second time', async () => {
    const body = returnBody();
    const headers = { 'idempotency-key': `cmd-${body.rmaNumber}` };
    const first = await logistics.call<{ returnId: string; status: string }>(
      'POST',
      '/api/return-authorizations',
      body,
      headers,
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ rmaNumber: body.rmaNumber, status: 'authorized' });
    expect(first.headers.get('location')).toBe(`/api/return-authorizations/${body.rmaNumber}`);
    const replay = await logistics.call('POST', '/api/return-authorizations', body, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const again = await logistics.call<{ type: string }>('POST', '/api/return-authorizations', body);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/duplicate-return$/);
    const effects = await logistics.call<{ effects: Effect[] }>(
      'GET',
      `/sim/effects?entityType=ReturnAuthorization&entityId=${body.rmaNumber}`,
    );
    expect(effects.body.effects.map((e) => e.operation)).toEqual(['create']);
  });

  it('refuses an invalid request with the parameters named', async () => {
    const bad = await logistics.call<{ invalidParams: Array<{ name: string }> }>(
      'POST',
      '/api/return-authorizations',
      returnBody({ reason: '', lines: [{ sku: 'X', quantity: 0 }] }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.invalidParams.map((p) => p.name)).toEqual(['reason', 'lines.0.quantity']);
  });

  it('captures the receipt as an EPCIS receiving / returned ObjectEvent naming the PO and the RMA, once', async () => {
    const body = returnBody();
    await logistics.call('POST', '/api/return-authorizations', body);
    const before = capture.received.length;
    const received = await logistics.call<{ status: string; receivedAt: string }>(
      'POST',
      `/sim/returns/${body.rmaNumber}/receive`,
    );
    expect(received.body.status).toBe('received');
    await logistics.call('POST', `/sim/returns/${body.rmaNumber}/receive`); // already received: nothing more
    const docs = (await capture.waitFor(before + 1)) as Doc[];
    await logistics.call('GET', '/sim/deliveries?wait=true');
    expect(capture.received).toHaveLength(before + 1);
    const doc = docs[before]!;
    const event = epcisReader.parse(Buffer.from(JSON.stringify(doc)))[0]!.tree.events[0]!;
    expect([event.type, event.bizStep, event.disposition]).toEqual(['ObjectEvent', 'receiving', 'returned']);
    expect(doc.epcisBody.eventList[0]!.bizTransactionList).toEqual([
      { type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:0614141000005:PO-2026-0042' },
      { type: 'rma', bizTransaction: `urn:epcglobal:cbv:bt:0614141000005:${body.rmaNumber}` },
    ]);
    expect(doc.epcisBody.eventList[0]!.quantityList).toEqual([
      { epcClass: 'https://id.gs1.org/01/04006381333931', quantity: 2 },
      { epcClass: 'https://id.logistics.example/item/MAT-100235', quantity: 1 },
    ]);
    const effects = await logistics.call<{ count: number }>(
      'GET',
      `/sim/effects?entityType=RETURN_RECEIPT&entityId=${body.rmaNumber}`,
    );
    expect(effects.body.count).toBe(1);
    const read = await logistics.call<{ status: string }>(
      'GET',
      `/api/return-authorizations/${body.rmaNumber}`,
    );
    expect(read.body.status).toBe('received');
  });

  it('receives on its own after returnDelayMs', async () => {
    const quick = await startLogistics({ returnDelayMs: 30 });
    try {
      const body = returnBody();
      await quick.call('POST', '/api/return-authorizations', body);
      const deadline = Date.now() + 3000;
      let status = '';
      while (Date.now() < deadline && status !== 'received') {
        status = (await quick.call<{ status: string }>('GET', `/api/return-authorizations/${body.rmaNumber}`))
          .body.status;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(status).toBe('received');
    } finally {
      await quick.close();
    }
  });
});
