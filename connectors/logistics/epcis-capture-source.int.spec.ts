import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epcisDocument } from '../../simulators/logistics/epcis.ts';
import { sscc } from '../../simulators/logistics/identifiers.ts';
import type { DespatchRequest, Shipment } from '../../simulators/logistics/state.ts';
import {
  despatchBody,
  type LogisticsHarness,
  startLogistics,
} from '../../simulators/logistics/test-support.ts';
import { unique } from '../../tests/stack.ts';
import type { ConnectorRuntime } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';
import { decodeIndependently, readMarked, startRuntime, uniqueOrder, waitFor } from './test-support.ts';

const TOKEN = 'capture-token-for-tests';

type ShipmentValue = {
  shipmentId: string;
  status: string;
  packages: Array<{ packageId: string }>;
  orderReferences: Array<{ purchaseOrderNumber: string }>;
  milestones: Array<{ type: string }>;
};

/**
 * The simulator's EPCIS 2.0 capture posts (bearer token, as a capture client) → `POST /capture` of the connector
 * (served on loopback through `runtime.webhook`) → ShipmentEvents on canonical.shipment, decoded without the bus.
 */
describe('epcis-capture-source on the real broker', () => {
  let runtime: ConnectorRuntime;
  let sim: LogisticsHarness;
  let server: LoopbackWebhookServer;
  const name = unique('epcis-capture');

  beforeAll(async () => {
    ({ runtime } = await startRuntime('/eai/tests/logistics-epcis'));
    await runtime.put(
      { name, type: 'epcis-capture-source', config: { signature: { scheme: 'bearer', token: TOKEN } } },
      'test',
    );
    server = await serveOnLoopback((request) => runtime.webhook(name, request), `/webhooks/${name}`);
    sim = await startLogistics();
  });
  afterAll(async () => {
    await sim?.close();
    await server?.close();
    await runtime?.stop();
  });

  it('turns the simulator’s shipping and receiving events into ShipmentEvents with its SSCCs and PO', async () => {
    const subscribed = await sim.call('POST', '/sim/capture-subscriptions', {
      url: `${server.url}/capture`,
      token: TOKEN,
    });
    expect(subscribed.status).toBe(201);
    const po = uniqueOrder('PO');
    const accepted = await sim.call<{ requestId: string }>(
      'POST',
      '/api/despatch-requests',
      despatchBody({ purchaseOrderNumber: po, orderNumber: `SO${po}` }),
    );
    const request = await sim.waitFor(accepted.body.requestId, 'delivered');

    const records = await readMarked('canonical.shipment', 2, [po]);
    const values = await Promise.all(
      records.map(async (r) => (await decodeIndependently(r.value)).shipment as ShipmentValue),
    );
    const ssccs = request.shipment!.packages.map((p) => p.sscc);
    expect(values.map((v) => v.milestones.map((m) => m.type))).toEqual([['SHIPPED'], ['RECEIVED']]);
    for (const [i, value] of values.entries()) {
      expect(records[i]!.key).toBe(value.shipmentId);
      expect(value.shipmentId).toMatch(new RegExp(`^epcis:desadv:\\d{13}:${request.shipment!.shipmentId}$`));
      expect(value.packages.map((p) => p.packageId)).toEqual(ssccs);
      expect(value.orderReferences.map((o) => o.purchaseOrderNumber)).toEqual([po]);
      expect(records[i]!.headers.ce_type).toBe('epcis-2.eai.canonical.ShipmentEvent');
    }
    const deliveries = await sim.call<{ deliveries: Array<{ outcome: string; url: string }> }>(
      'GET',
      '/sim/deliveries?wait=true',
    );
    const mine = deliveries.body.deliveries.filter((d) => d.url === `${server.url}/capture`);
    expect(mine.map((d) => d.outcome)).toEqual(['delivered', 'delivered']);
  });

  it('answers a capture 202 with its job’s Location once on Kafka, and the job can be read', async () => {
    const po = uniqueOrder('PO');
    const body = despatchBody({ purchaseOrderNumber: po }) as unknown as DespatchRequest;
    const unit = sscc('0614141', Date.now() % 1_000_000_000);
    const shipment: Shipment = {
      shipmentId: `SH${po.slice(-8)}`,
      scac: 'UPSN',
      carrierName: 'UPS',
      trackingNumber: '1Z999AA10123456784',
      packages: [{ sscc: unit, lineNumbers: [1] }],
      estimatedDelivery: new Date().toISOString(),
    };
    const document = JSON.stringify(epcisDocument('shipping', body, shipment, new Date()));
    const post = (headers: Record<string, string>, payload = document) =>
      fetch(`${server.url}/capture`, {
        method: 'POST',
        headers: { 'content-type': 'application/ld+json', ...headers },
        body: payload,
      });

    const refused = await post({ authorization: 'Bearer wrong' });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ type: 'epcisException:SecurityException' });
    const invalid = await post(
      { authorization: `Bearer ${TOKEN}` },
      '{"type":"EPCISDocument","epcisBody":{}}',
    );
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { title: string }).title).toMatch(/^\$\.epcisBody\.eventList: /);
    // A document the epcis-2 reader refuses is a 400 naming where, not a 202 whose job failed.
    const textQuantity = JSON.parse(document) as { epcisBody: { eventList: Array<Record<string, unknown>> } };
    textQuantity.epcisBody.eventList[0]!.quantityList = [
      { epcClass: 'https://id.gs1.org/01/09521234543213/10/LOT7', quantity: '12.5', uom: 'KGM' },
    ];
    const unreadable = await post({ authorization: `Bearer ${TOKEN}` }, JSON.stringify(textQuantity));
    expect(unreadable.status).toBe(400);
    expect(await unreadable.json()).toMatchObject({
      type: 'epcisException:ValidationException',
      title: expect.stringMatching(
        /^\$\.epcisBody\.eventList\[0\]\.quantityList\[0\]\.quantity: quantity must be a JSON number/,
      ),
    });

    const answer = await post({ authorization: `Bearer ${TOKEN}` });
    expect(answer.status).toBe(202);
    const location = answer.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${server.url}/capture/[0-9a-f-]{36}$`));
    const [record] = await readMarked('canonical.shipment', 1, [po]);
    expect(((await decodeIndependently(record!.value)).shipment as ShipmentValue).packages).toEqual([
      expect.objectContaining({ packageId: unit }),
    ]);
    // A job needs the credentials of its capture: none or a wrong token is 401, whether the job exists or not.
    const anonymous = await fetch(location);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ type: 'epcisException:SecurityException' });
    expect((await fetch(location, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${server.url}/capture/nope`)).status).toBe(401);
    const job = await fetch(location, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({
      captureID: location.split('/').pop(),
      running: false,
      success: true,
      published: 1,
      errors: [],
    });
    expect(
      (await fetch(`${server.url}/capture/nope`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(404);

    // A redelivery of the same document is not published again: a new finished job, nothing published.
    const again = await post({ authorization: `Bearer ${TOKEN}` });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ success: true, published: 0 });
    await waitFor('the connector’s counters', async () => {
      const metrics = (await runtime.status(name))!.metrics;
      return metrics.recordsOut >= 3;
    });
  });
});
