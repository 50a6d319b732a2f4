import { describe, expect, it } from 'vitest';
import { historyLine, lineageValue, linkLine, valueText } from './commands/mdm.ts';

describe('eai mdm show: the value beside each lineage entry', () => {
  const record = {
    customerId: 'gc-1',
    organizationName: 'Weber Logistik GmbH',
    addresses: [
      { use: 'BILLING', lines: ['Ballindamm 1'], city: 'Hamburg', countryCode: 'DE' },
      { use: 'SHIPPING', lines: ['Am Lagerhaus 7'], city: 'Bremen', countryCode: 'DE' },
    ],
  };
  const lineage = {
    organizationName: { system: 'sap', sourceId: '1', rule: 'sourcePriority' },
    addresses: { system: 'sap', sourceId: '1', rule: 'mostRecent' },
    'addresses[SHIPPING]': { system: 'salesforce', sourceId: '001A', rule: 'mostRecent' },
  };
  const shown = (key: string) => valueText(lineageValue(record, lineage, key));

  it('shows an added address use’s address, and the winner’s own addresses under addresses', () => {
    expect(shown('addresses[SHIPPING]')).toBe('SHIPPING Am Lagerhaus 7 Bremen DE');
    expect(shown('addresses')).toBe('BILLING Ballindamm 1 Hamburg DE');
    expect(shown('organizationName')).toBe('Weber Logistik GmbH');
  });

  it('shows every address under addresses when none was added (lineage stored before)', () => {
    const { 'addresses[SHIPPING]': _, ...old } = lineage;
    expect(shown('addresses')).toBe('BILLING Ballindamm 1 Hamburg DE');
    expect(valueText(lineageValue(record, old, 'addresses'))).toBe(
      'BILLING Ballindamm 1 Hamburg DE; SHIPPING Am Lagerhaus 7 Bremen DE',
    );
  });

  it('shows the part of an address filled from another member of the same place (addresses[BILLING].lines)', () => {
    const filled = {
      ...lineage,
      'addresses[BILLING].lines': { system: 'odoo', sourceId: '7', rule: 'mostRecent' },
    };
    expect(valueText(lineageValue(record, filled, 'addresses[BILLING].lines'))).toBe('Ballindamm 1');
    expect(valueText(lineageValue(record, filled, 'addresses'))).toBe('BILLING Ballindamm 1 Hamburg DE');
  });
});

describe('eai mdm show: who merged and when', () => {
  it('a history entry says when and by whom, beside its number and what it took in', () => {
    // It said `history #1 merge of gc-b…` only: a colleague's merge and the matcher's looked alike, undated.
    const at = new Date('2026-12-07T03:34:32.124Z');
    expect(
      historyLine({ id: 1, kind: 'merge', absorbed: ['gc-b'], at, actor: 'steward:ana', undoneBy: 2 }),
    ).toBe('  history #1 2026-12-07T03:34:32.124Z merge of gc-b by steward:ana (undone by #2)');
    expect(historyLine({ id: 3, kind: 'split', absorbed: [], at, actor: 'matcher', undoneBy: null })).toBe(
      '  history #3 2026-12-07T03:34:32.124Z split by matcher',
    );
  });

  it('an accepted link names who accepted it and when; a scored one its score', () => {
    const a = { system: 'hubspot', sourceId: '9007' };
    const b = { system: 'hubspot', sourceId: '9008' };
    const decidedAt = new Date('2026-12-07T03:34:32.124Z');
    expect(linkLine({ a, b, status: 'accepted', probability: 0, decidedBy: 'ana', decidedAt })).toBe(
      '  link   hubspot 9007 ~ hubspot 9008  accepted by ana at 2026-12-07T03:34:32.124Z',
    );
    expect(linkLine({ a, b, status: 'auto', probability: 0.99912, decidedBy: null, decidedAt: null })).toBe(
      '  link   hubspot 9007 ~ hubspot 9008  scored 0.999',
    );
  });
});
