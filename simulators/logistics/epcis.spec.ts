import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader as epcisReader } from '../../formats/epcis-2/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../common/test-support.ts';
import { ssccUrn } from './identifiers.ts';
import { despatchBody, type LogisticsHarness, startLogistics } from './test-support.ts';

type Doc = { epcisBody: { eventList: Record<string, unknown>[] } };
type Delivery = { outcome: string; url: string };

describe('logistics simulator: EPCIS capture', () => {
  let capture: WebhookReceiver;
  let logistics: LogisticsHarness;
  beforeAll(async () => {
    capture = await startWebhookReceiver('/capture');
    logistics = await startLogistics({ captureUrl: capture.url });
  });
  afterAll(async () => {
    await logistics.close();
    await capture.close();
  });

  it('posts shipping then receiving ObjectEvents, retrying while the capture URL is down', async () => {
    capture.setDown(true);
    const accepted = await logistics.call<{ requestId: string }>(
      'POST',
      '/api/despatch-requests',
      despatchBody(),
    );
    const request = await logistics.waitFor(accepted.body.requestId, 'delivered');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(capture.received).toHaveLength(0);
    capture.setDown(false);
    const [shipping, receiving] = (await capture.waitFor(2)) as Doc[];
    const deliveries = (await logistics.call<{ deliveries: Delivery[] }>('GET', '/sim/deliveries?wait=true'))
      .body.deliveries;
    expect(deliveries.filter((d) => d.outcome === 'failed').length).toBeGreaterThan(0);
    expect(deliveries.filter((d) => d.outcome === 'delivered')).toHaveLength(2);

    const events = [shipping!, receiving!].map(
      (doc) => epcisReader.parse(Buffer.from(JSON.stringify(doc)))[0]!.tree.events[0]!,
    );
    expect(events.map((e) => [e.type, e.bizStep, e.disposition])).toEqual([
      ['ObjectEvent', 'shipping', 'in_transit'],
      ['ObjectEvent', 'receiving', 'in_progress'],
    ]);
    const raw = shipping!.epcisBody.eventList[0]!;
    const ssccs = request.shipment!.packages.map((p) => ssccUrn(p.sscc, 7));
    expect(raw.epcList).toEqual(ssccs);
    expect(raw.bizTransactionList).toEqual([
      { type: 'po', bizTransaction: expect.stringMatching(new RegExp(`:${request.purchaseOrderNumber}$`)) },
      {
        type: 'desadv',
        bizTransaction: expect.stringMatching(new RegExp(`:${request.shipment!.shipmentId}$`)),
      },
    ]);
    expect(raw.quantityList).toEqual([
      { epcClass: 'https://id.gs1.org/01/04012345000016', quantity: 8 },
      { epcClass: 'https://id.logistics.example/item/MZ-TG-Y120', quantity: 3 },
      { epcClass: 'https://id.gs1.org/01/04012345000054', quantity: 12 },
    ]);
    expect((raw.readPoint as { id: string }).id).toMatch(/^urn:epc:id:sgln:0614141\./);
    // The receiving event happens at the ship-to's own GLN 4012345000009.
    expect(receiving!.epcisBody.eventList[0]!.bizLocation).toEqual({ id: 'urn:epc:id:sgln:4012345.00000.0' });
  });

  it('sends a subscription’s bearer token, as an authenticated EPCIS capture client, and only to that URL', async () => {
    const secured = await startWebhookReceiver('/secured/capture');
    try {
      const sub = await logistics.call<{ authenticated?: boolean }>('POST', '/sim/capture-subscriptions', {
        url: secured.url,
        token: 'capture-token-1',
      });
      expect(sub.status).toBe(201);
      expect(sub.body.authenticated).toBe(true);
      const bad = await logistics.call<{ error: string }>('POST', '/sim/capture-subscriptions', {
        url: secured.url,
        token: '',
      });
      expect(bad.body.error).toMatch(/^token: /);
      const before = capture.received.length;
      await logistics.call('POST', '/api/despatch-requests', despatchBody());
      await secured.waitFor(2);
      expect(secured.headers.map((h) => h.authorization)).toEqual([
        'Bearer capture-token-1',
        'Bearer capture-token-1',
      ]);
      expect(secured.headers[0]!['gs1-epcis-version']).toBe('2.0.0');
      await capture.waitFor(before + 2);
      expect(capture.headers.slice(before).map((h) => h.authorization)).toEqual([undefined, undefined]);
    } finally {
      await secured.close();
    }
  });

  it('also posts to capture URLs subscribed at run time', async () => {
    const second = await startWebhookReceiver('/epcis/capture');
    try {
      const sub = await logistics.call('POST', '/sim/capture-subscriptions', { url: second.url });
      expect(sub.status).toBe(201);
      const bad = await logistics.call<{ error: string }>('POST', '/sim/capture-subscriptions', {
        url: 'nope',
      });
      expect(bad.status).toBe(400);
      await logistics.call('POST', '/api/despatch-requests', despatchBody({ format: 'edifact-desadv' }));
      const docs = (await second.waitFor(2)) as Doc[];
      expect(docs.map((d) => d.epcisBody.eventList[0]!.bizStep)).toEqual(['shipping', 'receiving']);
    } finally {
      await second.close();
    }
  });
});

describe('logistics simulator: delivery on demand', () => {
  let capture: WebhookReceiver;
  let logistics: LogisticsHarness;
  let idle: LogisticsHarness;
  beforeAll(async () => {
    capture = await startWebhookReceiver('/capture');
    logistics = await startLogistics({ captureUrl: capture.url, deliveryDelayMs: 3_600_000 });
    idle = await startLogistics({ despatchDelayMs: 3_600_000 });
  });
  afterAll(async () => {
    await Promise.all([logistics.close(), idle.close()]);
    await capture.close();
  });

  it('POST /sim/despatch-requests/{id}/deliver delivers a despatched request now, once, with its receiving event', async () => {
    const accepted = await logistics.call<{ requestId: string }>(
      'POST',
      '/api/despatch-requests',
      despatchBody(),
    );
    const id = accepted.body.requestId;
    const despatched = await logistics.waitFor(id, 'despatched');
    const first = await logistics.call<{ status: string }>('POST', `/sim/despatch-requests/${id}/deliver`);
    expect([first.status, first.body.status]).toEqual([200, 'delivered']);
    const again = await logistics.call<{ status: string }>('POST', `/sim/despatch-requests/${id}/deliver`);
    expect([again.status, again.body.status]).toEqual([200, 'delivered']);
    const docs = (await capture.waitFor(2)) as Doc[];
    expect(docs.map((d) => d.epcisBody.eventList[0]!.bizStep)).toEqual(['shipping', 'receiving']);
    const effects = await logistics.call<{ effects: Array<{ entityId: string }> }>(
      'GET',
      '/sim/effects?entityType=DELIVERY',
    );
    expect(effects.body.effects.map((e) => e.entityId)).toEqual([despatched.shipment!.shipmentId]);
    expect((await logistics.call('POST', '/sim/despatch-requests/nope/deliver')).status).toBe(404);

    // Not despatched yet: refused.
    const pending = await idle.call<{ requestId: string }>('POST', '/api/despatch-requests', despatchBody());
    const early = await idle.call<{ type: string }>(
      'POST',
      `/sim/despatch-requests/${pending.body.requestId}/deliver`,
    );
    expect(early.status).toBe(409);
    expect(early.body.type).toMatch(/not-despatched$/);
  });
});
