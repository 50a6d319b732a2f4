import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  despatchBody,
  type LogisticsHarness,
  startLogistics,
} from '../../simulators/logistics/test-support.ts';
import { unique } from '../../tests/stack.ts';
import type { ConnectorRuntime } from '../index.ts';
import { decodeIndependently, readMarked, startRuntime, uniqueOrder, waitFor } from './test-support.ts';

interface Shipment {
  shipmentId: string;
  packages: Array<{ sscc: string }>;
}

/**
 * Shipments created in the logistics simulator → its ASN files in its outbound folder → the connector →
 * ShipmentEvents on canonical.shipment, read back with a plain consumer and decoded without the bus.
 */
describe('logistics-asn-file-source on the real broker', () => {
  let runtime: ConnectorRuntime;
  let sim: LogisticsHarness;

  beforeAll(async () => {
    ({ runtime } = await startRuntime('/eai/tests/logistics-asn'));
    sim = await startLogistics();
  });
  afterAll(async () => {
    await runtime?.stop();
    await sim?.close();
  });

  it.each(['x12-856', 'edifact-desadv'] as const)(
    'reads %s ASNs into ShipmentEvents with the simulator’s SSCCs and orders',
    async (format) => {
      const pos = [uniqueOrder('PO'), uniqueOrder('PO')];
      const requests: string[] = [];
      for (const po of pos) {
        const answer = await sim.call<{ requestId: string }>(
          'POST',
          '/api/despatch-requests',
          despatchBody({ format, purchaseOrderNumber: po, orderNumber: `SO${po}` }),
        );
        expect(answer.status).toBe(202);
        requests.push(answer.body.requestId);
      }
      const shipments: Shipment[] = [];
      const documentIds: string[] = [];
      for (const id of requests) {
        const request = await sim.waitFor(id, 'despatched');
        shipments.push(request.shipment as unknown as Shipment);
        // The document id the hub gives an ASN: ISA13/ST02 for X12, UNB 0020/UNH 0062 for EDIFACT.
        const control = request.asns[0]!.controlNumbers;
        documentIds.push(
          format === 'x12-856' ? `${control.ISA13}/${control.ST02}` : `${control.UNB0020}/${control.UNH0062}`,
        );
      }
      const extension = format === 'x12-856' ? '.x12' : '.edi';

      const name = unique(`asn-${format}`);
      await runtime.put(
        { name, type: 'logistics-asn-file-source', config: { dir: sim.outboundDir, format, stableMs: 50 } },
        'test',
      );
      const done = join(sim.outboundDir, 'done');
      await waitFor(
        'both ASN files in done/',
        () => existsSync(done) && readdirSync(done).filter((f) => f.endsWith(extension)).length === 2,
      );

      const records = await readMarked('canonical.shipment', 2, pos);
      const decoded = await Promise.all(records.map((r) => decodeIndependently(r.value)));
      for (const [i, po] of pos.entries()) {
        const index = decoded.findIndex((v) =>
          (v.shipment as { orderReferences: Array<{ purchaseOrderNumber: string }> }).orderReferences.some(
            (o) => o.purchaseOrderNumber === po,
          ),
        );
        expect(index, `a record for ${po}`).toBeGreaterThanOrEqual(0);
        const value = decoded[index]!.shipment as {
          shipmentId: string;
          shipmentNumber: string;
          packages: Array<{ packageId: string }>;
          orderReferences: Array<{ purchaseOrderNumber: string; sellerOrderNumber: string | null }>;
        };
        const expected = shipments[i]!;
        expect(value.shipmentNumber).toBe(expected.shipmentId);
        expect(records[index]!.key).toBe(value.shipmentId);
        expect(value.shipmentId).toContain(expected.shipmentId);
        expect(value.packages.map((p) => p.packageId)).toEqual(expected.packages.map((p) => p.sscc));
        expect(value.orderReferences).toEqual([
          expect.objectContaining({ purchaseOrderNumber: po, sellerOrderNumber: `SO${po}` }),
        ]);
        expect(records[index]!.headers.ce_id).toBe(documentIds[i]);
        expect(records[index]!.headers.ce_type).toBe(`${format}.eai.canonical.ShipmentEvent`);
      }
      expect((await runtime.status(name))!.metrics).toMatchObject({ recordsOut: 2, recordsFailed: 0 });
      await runtime.remove(name);
    },
  );
});
