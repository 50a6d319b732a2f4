import { beforeAll, describe, expect, it } from 'vitest';
import { loadMappings } from '../index.ts';
import { sapOrder as order } from './test-support.ts';

/**
 * Where an ORDERS05 names its currency. E1EDK01 CURCY is optional in the IDoc type, and IDocs from other systems
 * (a middleware's export, a partner's ORDERS) often carry it only on the items, or nowhere: such an order failed with
 * `salesOrder.currency: required, but the mapping produced nothing`, which names no IDoc field.
 */
function idoc(header: string, item: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<ORDERS05><IDOC BEGIN="1">
<EDI_DC40 SEGMENT="1"><DOCNUM>0000000000077001</DOCNUM><IDOCTYP>ORDERS05</IDOCTYP><MESTYP>ORDERS</MESTYP><SNDPRN>PARTNER7</SNDPRN><CREDAT>20250610</CREDAT><CRETIM>081500</CRETIM></EDI_DC40>
<E1EDK01 SEGMENT="1"><BSART>NB</BSART><BELNR>4500077001</BELNR>${header}</E1EDK01>
<E1EDKA1 SEGMENT="1"><PARVW>AG</PARVW><PARTN>0000104711</PARTN><NAME1>Lindqvist Verktyg AB</NAME1></E1EDKA1>
<E1EDP01 SEGMENT="1"><POSEX>000010</POSEX><MENGE>4.000</MENGE><MENEE>PCE</MENEE>${item}
<E1EDP19 SEGMENT="1"><QUALF>002</QUALF><IDTNR>BORR-18V</IDTNR></E1EDP19></E1EDP01>
</IDOC></ORDERS05>`;
}

describe('SAP IDoc ORDERS05 currency', () => {
  // The catalog is compiled once (then cached per file): on a loaded machine that alone can pass a test's 20 s.
  beforeAll(() => {
    loadMappings();
  }, 120_000);

  it("is E1EDK01 CURCY, else the first item's CURCY", async () => {
    expect((await order(idoc('<CURCY>SEK</CURCY>', '<NETWR>5196.00</NETWR>'))).currency).toBe('SEK');
    const fromItem = await order(idoc('', '<NETWR>5196.00</NETWR><CURCY>SEK</CURCY>'));
    expect(fromItem.currency).toBe('SEK');
    expect(fromItem.lines[0].lineAmount).toEqual({ amount: '5196', currency: 'SEK' });
  });

  it('is XXX (no currency) for an order of quantities only', async () => {
    expect((await order(idoc('', ''))).currency).toBe('XXX');
  });

  it('refuses amounts without any currency, naming E1EDK01 CURCY', async () => {
    await expect(order(idoc('', '<NETWR>5196.00</NETWR>'))).rejects.toThrow(
      /let\.currency: the IDoc states amounts .* but no currency: E1EDK01 CURCY is empty .*fill E1EDK01 CURCY \(e\.g\. EUR\) \(input \/ORDERS05\/IDOC\[1\]\)/,
    );
  });
});
