import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader as desadvReader } from '../../formats/edifact-desadv/index.ts';
import { hasValidGs1CheckDigit } from '../../formats/x12/values.ts';
import type { X12HierarchyLevel } from '../../formats/x12-856/index.ts';
import { reader as x12Reader } from '../../formats/x12-856/index.ts';
import { EDIFACT_PROFILES, X12_PROFILES } from './profiles.ts';
import type { DespatchRequest } from './state.ts';
import { despatchBody, type LogisticsHarness, startLogistics } from './test-support.ts';

async function despatched(
  logistics: LogisticsHarness,
  body: Record<string, unknown>,
): Promise<DespatchRequest> {
  const accepted = await logistics.call<{ requestId: string }>('POST', '/api/despatch-requests', body);
  expect(accepted.status).toBe(202);
  expect(accepted.headers.get('location')).toBe(`/api/despatch-requests/${accepted.body.requestId}`);
  return logistics.waitFor(accepted.body.requestId, 'despatched');
}

describe('logistics simulator: X12 856', () => {
  let logistics: LogisticsHarness;
  beforeAll(async () => {
    logistics = await startLogistics({ deliveryDelayMs: 60_000 });
  });
  afterAll(() => logistics.close());

  for (const profile of Object.keys(X12_PROFILES)) {
    it(`writes an 856 the hub's reader accepts, envelope ${profile}`, async () => {
      const request = await despatched(logistics, despatchBody({ envelope: profile }));
      const asn = request.asns[0]!;
      expect(asn).toMatchObject({ fate: 'sent', profile });
      const bytes = readFileSync(join(logistics.outboundDir, asn.file!));
      expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(profile.includes('bom'));
      expect(bytes.toString('utf8').replace(/^\uFEFF/, '')[3]).toBe(profile.startsWith('pipe') ? '|' : '*');
      const [doc, ...more] = x12Reader.parse(bytes);
      expect(more).toEqual([]);
      const tree = doc!.tree;
      expect(tree.envelope.interchange.controlNumber).toBe(asn.controlNumbers.ISA13);
      expect(tree.envelope.group.controlNumber).toBe(asn.controlNumbers.GS06);
      expect(tree.envelope.transactionSet.controlNumber).toBe(asn.controlNumbers.ST02);
      expect(tree.bsn.shipmentId).toBe(request.shipment!.shipmentId);
      // HL hierarchy shipment → order → pack → item, one pack per two lines.
      const shipment = tree.shipment!;
      const levels = (node: X12HierarchyLevel): unknown => [node.level, (node.children ?? []).map(levels)];
      expect(levels(shipment)).toEqual([
        'shipment',
        [
          [
            'order',
            [
              [
                'pack',
                [
                  ['item', []],
                  ['item', []],
                ],
              ],
              ['pack', [['item', []]]],
            ],
          ],
        ],
      ]);
      const text = bytes.toString('utf8');
      expect(text).toContain(request.shipment!.scac);
      expect(text).toContain(request.shipment!.trackingNumber);
      for (const pack of request.shipment!.packages) {
        expect(pack.sscc).toMatch(/^\d{18}$/);
        expect(hasValidGs1CheckDigit(pack.sscc)).toBe(true);
        expect(text).toContain(pack.sscc);
      }
      expect(tree.summary?.count).toBe('7');
      expect(tree.summary?.hashTotal).toBe('23');
    });
  }

  it('numbers every interchange, group and set anew', async () => {
    const { body } = await logistics.call<{ asns: { controlNumbers: Record<string, string> }[] }>(
      'GET',
      '/sim/asns',
    );
    const isa = body.asns.map((a) => Number(a.controlNumbers.ISA13));
    expect(new Set(isa).size).toBe(isa.length);
    // One after the other, from where the counter stood (it goes on from run to run, as a partner's does).
    expect([...isa].sort((a, b) => a - b)).toEqual(isa.map((_, i) => isa[0]! + i));
    const sets = body.asns.map((a) => a.controlNumbers.ST02);
    expect(new Set(sets).size).toBe(sets.length);
  });

  it('keeps the same envelope style for the same partner', async () => {
    const a = await despatched(logistics, despatchBody({ partner: 'GLOBEX' }));
    const b = await despatched(logistics, despatchBody({ partner: 'GLOBEX' }));
    expect(a.asns[0]!.profile).toBe(b.asns[0]!.profile);
  });
});

describe('logistics simulator: EDIFACT DESADV', () => {
  let logistics: LogisticsHarness;
  beforeAll(async () => {
    logistics = await startLogistics({ deliveryDelayMs: 60_000 });
  });
  afterAll(() => logistics.close());

  for (const profile of Object.keys(EDIFACT_PROFILES)) {
    it(`writes a DESADV the hub's reader accepts, envelope ${profile}`, async () => {
      const request = await despatched(
        logistics,
        despatchBody({ format: 'edifact-desadv', envelope: profile }),
      );
      const asn = request.asns[0]!;
      const bytes = readFileSync(join(logistics.outboundDir, asn.file!));
      expect(bytes.toString('utf8').startsWith('UNA')).toBe(profile !== 'no-una');
      const [doc, ...more] = desadvReader.parse(bytes);
      expect(more).toEqual([]);
      const tree = doc!.tree;
      expect(doc!.kind).toBe('DESADV');
      expect(tree.envelope.interchange.controlRef).toBe(asn.controlNumbers.UNB0020);
      expect(tree.envelope.message.ref).toBe(asn.controlNumbers.UNH0062);
      expect(tree.bgm.number).toBe(request.shipment!.shipmentId);
      expect(tree.lines.map((l) => l.packageId)).toEqual(['2', '2', '3']);
      const ssccs = tree.packages.flatMap((p) => p.children.flatMap((c) => c.sscc));
      expect(ssccs).toEqual(request.shipment!.packages.map((p) => p.sscc));
      expect(tree.transport[0]).toMatchObject({ carrierId: request.shipment!.scac });
      // The '*' and '|' in the ship-to name are escaped in the custom-separator profile, not lost.
      expect(JSON.stringify(tree.parties)).toContain('Müller Logistik GmbH*Lager|Süd');
    });
  }
});
