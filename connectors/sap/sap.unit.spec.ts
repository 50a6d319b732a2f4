import { describe, expect, it } from 'vitest';
import { sapIdocFileSourceConfig } from './idoc-file-source.ts';
import { ordrspDocnum, ordrspFileName, sapOrdrspFileSinkConfig } from './ordrsp-file-sink.ts';

describe('sap-ordrsp-file-sink', () => {
  it('names a file after the idempotency key: the same on redelivery, apart for keys that only differ in odd characters', () => {
    const name = ordrspFileName('ORDRSP_', 'sap-ordrsp:0000000000471100');
    expect(name).toMatch(/^ORDRSP_sap-ordrsp_0000000000471100_[0-9a-f]{12}\.xml$/);
    expect(ordrspFileName('ORDRSP_', 'sap-ordrsp:0000000000471100')).toBe(name);
    expect(ordrspFileName('ORDRSP_', 'a/b')).not.toBe(ordrspFileName('ORDRSP_', 'a:b'));
    expect(ordrspFileName('ORDRSP_', 'k', 2)).toMatch(/_2\.xml$/);
  });

  it('numbers the IDoc (16 digits) after the idempotency key: the same for every copy of one command, apart otherwise', () => {
    const docnum = ordrspDocnum('sap-ordrsp:order-to-delivery:sap:4711:erp-confirm');
    expect(docnum).toMatch(/^[0-9]{16}$/);
    expect(ordrspDocnum('sap-ordrsp:order-to-delivery:sap:4711:erp-confirm')).toBe(docnum);
    expect(ordrspDocnum('sap-ordrsp:order-to-delivery:sap:4712:erp-confirm')).not.toBe(docnum);
  });

  it('refuses a bad config naming the field, and defaults the answered statuses', () => {
    expect(sapOrdrspFileSinkConfig.parse({ dir: 'in' }).statuses).toContain('CONFIRMED');
    const bad = sapOrdrspFileSinkConfig.safeParse({ dir: 'in', filePrefix: '../x' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['filePrefix']);
  });
});

describe('sap-idoc-file-source', () => {
  it('defaults to IDoc XML files split per IDoc', () => {
    expect(sapIdocFileSourceConfig.parse({ dir: 'out' })).toMatchObject({
      pattern: '*.xml',
      split: 'idoc-xml',
    });
    expect(sapIdocFileSourceConfig.safeParse({ dir: 'out', split: 'x12' }).success).toBe(false);
  });
});
