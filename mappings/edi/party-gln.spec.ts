import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSample } from '../../tests/samples.ts';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { findMapping, mapBytes } from '../index.ts';

/**
 * An EDIFACT NAD's party id of code list agency 9 (GS1) is labelled GLN only when it is one (13 digits, the GS1
 * check digit last); an id that is not keeps its agency as read, 9, and is not taken for a location.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

async function mapped(format: 'edifact-orders' | 'edifact-desadv', bytes: Buffer): Promise<Json[]> {
  const mapping = findMapping(`edi/${format}.to-canonical.yaml`);
  const documents = await mapBytes(format, bytes, { mapping, receivedAt: FIXTURE_RECEIVED_AT });
  return documents.flatMap((d) => d.records.map((r) => JSON.parse(JSON.stringify(r.value))));
}

/** The bytes with one NAD's id written otherwise (its check digit off). */
const withId = (bytes: Buffer, from: string, to: string) =>
  Buffer.from(bytes.toString('latin1').replace(`+${from}::9`, `+${to}::9`), 'latin1');

describe('EDIFACT ORDERS: a NAD id of agency 9', () => {
  // A partner's order (php-edifact's example, ../shared/samples): BY, SU and DP named by real GLNs.
  const sample = readSample('edifact-orders/phpedifact-example_order_ok.edi');

  it('is a GLN when its check digit is right (the sample)', async () => {
    const [{ salesOrder: order }] = await mapped('edifact-orders', sample);
    expect(order.customer.sourceIds).toContainEqual(
      expect.objectContaining({ id: '4250159300001', idType: 'GLN' }),
    );
    expect(order.shipTo).toMatchObject({ partyId: '4250159399005', idScheme: 'GLN' });
    expect(order.otherParties).toContainEqual(
      expect.objectContaining({
        party: expect.objectContaining({ partyId: '4399901760448', idScheme: 'GLN' }),
      }),
    );
  });

  it('keeps an id with a wrong check digit, its agency as read (9), not GLN', async () => {
    const off = withId(withId(sample, '4250159300001', '4250159300002'), '4250159399005', '4250159399006');
    const [{ salesOrder: order }] = await mapped('edifact-orders', off);
    expect(order.customer.sourceIds).toContainEqual(
      expect.objectContaining({ id: '4250159300002', idType: '9' }),
    );
    expect(order.shipTo).toMatchObject({ partyId: '4250159399006', idScheme: '9' });
    // The supplier's id was left right: still a GLN.
    expect(order.otherParties).toContainEqual(
      expect.objectContaining({
        party: expect.objectContaining({ partyId: '4399901760448', idScheme: 'GLN' }),
      }),
    );
  });
});

describe('EDIFACT DESADV: the despatching party of agency 9', () => {
  // The supplier (NAD+SU) sent 4098765000002, whose check digit should be 3.
  const fixture = readFileSync('formats/edifact-desadv/fixtures/qty-mea-without-unit.edi');

  it('is the SHIPPED milestone location and a GLN only when it is one', async () => {
    const [{ shipment: off }] = await mapped('edifact-desadv', fixture);
    expect(off.shipFrom).toMatchObject({ partyId: '4098765000002', idScheme: '9' });
    expect(off.milestones[0].location).not.toBe('4098765000002');
    const [{ shipment: right }] = await mapped(
      'edifact-desadv',
      withId(fixture, '4098765000002', '4098765000003'),
    );
    expect(right.shipFrom).toMatchObject({ partyId: '4098765000003', idScheme: 'GLN' });
    expect(right.milestones[0].location).toBe('4098765000003');
  });
});
