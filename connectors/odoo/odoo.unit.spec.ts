import { describe, expect, it } from 'vitest';
import { SALE_ORDER_FIELDS } from '../../formats/odoo-sale-order/index.ts';
import type { SourceDocument } from '../sdk/index.ts';
import { EmittedVersions } from './emitted-versions.ts';
import { isoDateTime, ORDER_FIELDS, odooDateTime, pageDomain } from './sale-orders.ts';
import { difference } from './write-sink.ts';

const doc = (id: string, at: string): SourceDocument => ({
  bytes: Buffer.from(id),
  deliveryId: `sale.order:${id}@${at}#x`,
  position: { partition: 'sale.order', offset: { updatedSince: at, afterId: id } },
});

describe('odoo sale.order paging', () => {
  it('asks for the keyset after (write_date, id), or from write_date on without an id', () => {
    expect(pageDomain({ updatedSince: '2024-03-12T09:00:05.000Z', afterId: '42' })).toEqual([
      '|',
      ['write_date', '>', '2024-03-12 09:00:05'],
      '&',
      ['write_date', '=', '2024-03-12 09:00:05'],
      ['id', '>', 42],
    ]);
    expect(pageDomain({ updatedSince: '1970-01-01T00:00:00Z' })).toEqual([
      ['write_date', '>=', '1970-01-01 00:00:00'],
    ]);
    expect(() => pageDomain({ offset: 3 })).toThrow(/write_date/);
    expect(isoDateTime(odooDateTime('2024-03-12T09:00:05Z'))).toBe('2024-03-12T09:00:05Z');
  });
});

describe('versions emitted within the overlap', () => {
  it('rides in the position and drops, after a restart, what was emitted before', () => {
    const before = new EmittedVersions(5000);
    const [first, second] = before.filter([
      doc('1', '2024-03-12T09:00:00.000Z'),
      doc('2', '2024-03-12T09:00:10.000Z'),
    ]);
    // The first is outside the window of the second's cursor (10 s later, overlap 5 s).
    expect((second!.position!.offset as { emitted: string[] }).emitted).toEqual([second!.deliveryId]);
    expect((first!.position!.offset as { afterId: string }).afterId).toBe('1');

    const after = new EmittedVersions(5000);
    after.restore(second!.position!.offset);
    const again = after.filter([doc('2', '2024-03-12T09:00:10.000Z'), doc('3', '2024-03-12T09:00:11.000Z')]);
    expect(again.map((d) => d.deliveryId)).toEqual(['sale.order:3@2024-03-12T09:00:11.000Z#x']);
  });
});

describe('versions of a batch that did not reach Kafka', () => {
  it('are forgotten, so the transport’s re-read of them passes', () => {
    const emitted = new EmittedVersions(5000);
    const [first] = emitted.filter([doc('1', '2024-03-12T09:00:00.000Z')]);
    expect(emitted.filter([doc('1', '2024-03-12T09:00:00.000Z')])).toEqual([]);
    emitted.forget([first!]);
    expect(emitted.filter([doc('1', '2024-03-12T09:00:00.000Z')]).map((d) => d.deliveryId)).toEqual([
      first!.deliveryId,
    ]);
  });
});

describe('what the write sink sends for a partner Odoo holds', () => {
  it('only the fields that differ: a many2one read as [id, name] equals its id, false and "" are both empty', () => {
    const current = {
      id: 7,
      name: 'Acme GmbH',
      country_id: [57, 'Germany'],
      email: false,
      phone: '+4930123',
      active: true,
    };
    expect(
      difference(current, { name: 'Acme GmbH', country_id: 57, email: '', phone: '+4930123', active: true }),
    ).toEqual({});
    expect(difference(current, { name: 'Acme AG', country_id: 75, email: false, active: false })).toEqual({
      name: 'Acme AG',
      country_id: 75,
      active: false,
    });
  });
});

describe('the sale.order fields the source asks Odoo for', () => {
  it('are the ones the format reads, from its one list, but the two the simulator lacks', () => {
    expect(ORDER_FIELDS).toEqual(
      SALE_ORDER_FIELDS.filter((field) => field !== 'company_id' && field !== 'payment_term_id'),
    );
  });
});
