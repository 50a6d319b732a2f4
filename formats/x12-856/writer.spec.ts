import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { element } from '../x12/segment.ts';
import { read856, reader, writer, type X12ShipNoticeOut } from './index.ts';

const at = new Date('2024-03-13T15:45:00Z');

function tree(overrides: Partial<X12ShipNoticeOut> = {}): X12ShipNoticeOut {
  return {
    envelope: { senderId: 'ACMESUPPLY', receiverId: 'BIGRETAIL', version: '003060' },
    bsn: { purpose: '00', shipmentId: 'ASN-1', date: '20240312', time: '1430' },
    dates: [{ qualifier: '011', date: '20240312', time: '1400' }],
    shipment: { td5: [{ scac: 'UPSN', transportationMethod: 'M' }] },
    orders: [
      {
        poNumber: 'PO-1',
        packs: [
          {
            mark: '037612345000000007',
            items: [{ productIds: [{ qualifier: 'VP', id: 'WID-1' }], quantity: '12.000', unit: 'EA' }],
          },
        ],
        items: [{ productIds: [{ qualifier: 'BP', id: 'B-2' }], quantity: '2.5', unit: 'LB' }],
      },
    ],
    ...overrides,
  };
}

const write = (t: X12ShipNoticeOut, options: unknown = {}) =>
  writer.write(t, options, { controlNumber: 9, at });

describe('x12-856 writer', () => {
  it('numbers the HLs, derives CTT and writes YYMMDD dates before 004010; the hub’s reader reads it', () => {
    const bytes = write(tree());
    const [set] = read856(bytes);
    const hl = set!.segments.filter((s) => s.tag === 'HL').map((s) => s.elements);
    expect(hl).toEqual([
      ['1', '', 'S', '1'],
      ['2', '1', 'O', '1'],
      ['3', '2', 'P', '1'],
      ['4', '3', 'I', '0'],
      ['5', '2', 'I', '0'],
    ]);
    expect(set!.segments.find((s) => s.tag === 'CTT')!.elements).toEqual(['5', '14.5']);
    expect(element(set!.segments.find((s) => s.tag === 'BSN')!, 3)).toBe('240312');
    expect(set!.envelope.group).toMatchObject({ functionalId: 'SH', controlNumber: '9' });
    const [document] = reader.parse(bytes);
    expect(document!.tree.items.map((i) => i.sn1?.quantity)).toEqual(['12', '2.5']);
  });

  it('writes TD3 per equipment (a container id split into TD302 / TD303), the first one’s further seals as REF SN', () => {
    const [document] = reader.parse(
      write(
        tree({
          shipment: {
            td3: [
              { typeCode: 'CN', equipmentId: 'MSKU9070323', sealNumbers: ['S-1', 'S-2'] },
              { typeCode: 'TL', equipmentId: 'TRL-4471', sealNumbers: ['S-3'] },
            ],
          },
        }),
      ),
    );
    const { shipment } = document!.tree as unknown as { shipment: { td3?: unknown[]; refs?: unknown[] } };
    expect(shipment.td3).toMatchObject([
      { equipmentCode: 'CN', equipmentInitial: 'MSKU', equipmentNumber: '9070323', sealNumber: 'S-1' },
      { equipmentCode: 'TL', equipmentNumber: 'TRL-4471', sealNumber: 'S-3' },
    ]);
    expect(shipment.refs).toMatchObject([{ qualifier: 'SN', value: 'S-2' }]);
    expect(() =>
      write(
        tree({
          shipment: { td3: [{ equipmentId: 'A1' }, { equipmentId: 'B2', sealNumbers: ['x1', 'x2'] }] },
        }),
      ),
    ).toThrow(/HL#1\/TD3#2\/TD309: X12 856 carries one seal per TD3/);
  });

  it('takes the tree’s envelope over the options’, which fill in what the tree lacks', () => {
    const options = { envelope: { senderId: 'OPTION', receiverId: 'OPTION', receiverQualifier: '01' } };
    const [set] = read856(write(tree(), options));
    expect(set!.envelope.interchange).toMatchObject({
      senderId: 'ACMESUPPLY',
      receiverId: 'BIGRETAIL',
      receiverQualifier: '01',
    });
  });

  it('refuses what it cannot write, naming the place', () => {
    const noReceiver = tree({ envelope: { senderId: 'ACMESUPPLY' } });
    expect(() => write(noReceiver)).toThrow(/x12-856: ISA08: missing the receiver id/);
    expect(() => write(tree({ orders: [] }))).toThrow(/HL: an ASN needs at least one order/);
    const badMark = tree();
    badMark.orders[0]!.packs![0]!.mark = 'CARTON-1';
    expect(() => write(badMark)).toThrow(/order#1\/pack#1\/MAN02: an SSCC-18/);
    const noIds = tree();
    noIds.orders[0]!.items![0]!.productIds = [];
    expect(() => write(noIds)).toThrow(/order#1\/item#1\/LIN02: an item needs at least one product id/);
    expect(() => writer.write(tree())).toThrow(ConfigError);
  });
});
