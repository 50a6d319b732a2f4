import { describe, expect, it } from 'vitest';
import { lineageValue, valueText } from './commands/mdm.ts';

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
