import type { Rng } from '../generator/prng.ts';
import type { SapCustomer } from './state.ts';
import { sapDate, sapTime } from './state.ts';
import type { IdocVariant } from './variants.ts';

/** One IDoc segment to write: fields in SAP order, then child segments. */
export interface Segment {
  name: string;
  fields: [string, string][];
  children: Segment[];
}

export interface OrderIdoc {
  control: Segment;
  segments: Segment[];
  amount: number;
  currency: string;
}

export type OrderParty = Pick<
  SapCustomer,
  'KUNNR' | 'NAME1' | 'STRAS' | 'ORT01' | 'PSTLZ' | 'LAND1' | 'WAERS'
>;

/** Sold-to parties for orders when no customer master is seeded. */
export const DEFAULT_PARTIES: OrderParty[] = [
  {
    KUNNR: '0000100001',
    NAME1: 'CENTRAL BIKES',
    STRAS: '201 1st St',
    ORT01: 'Palestine',
    PSTLZ: '75803',
    LAND1: 'US',
    WAERS: 'USD',
  },
  {
    KUNNR: '0000100002',
    NAME1: 'Müller Logistik GmbH',
    STRAS: 'Hauptstraße 12',
    ORT01: 'Berlin',
    PSTLZ: '10115',
    LAND1: 'DE',
    WAERS: 'EUR',
  },
  {
    KUNNR: '0000100003',
    NAME1: 'Dupont & Fils SARL',
    STRAS: '12 rue de la Paix',
    ORT01: 'Paris',
    PSTLZ: '75002',
    LAND1: 'FR',
    WAERS: 'EUR',
  },
];

const MATERIALS = [
  { matnr: 'MZ-FG-S100', text: 'Standard E-Bike S100 Series', ean: '4012345000016', price: 5250 },
  { matnr: 'MZ-FG-S200', text: 'S200 E-Bike Racer', ean: '4012345000023', price: 4400 },
  { matnr: 'MZ-TG-Y120', text: 'Bike helmet, size M', ean: '4012345000030', price: 89.9 },
  { matnr: 'MZ-TG-Y200', text: 'Pedal set, aluminium', ean: '4012345000047', price: 34.5 },
  { matnr: 'MZ-RM-C900', text: 'Chain 11-speed', ean: '4012345000054', price: 27.25 },
];

const fmt = (n: number, decimals: number) => n.toFixed(decimals);

export interface OrderInput {
  docnum: string;
  orderNumber: string;
  purchaseOrderNumber: string;
  party: OrderParty;
  now: Date;
  rng: Rng;
  variants: Set<IdocVariant>;
}

/** Builds one outbound ORDERS05 IDoc (MESTYP ORDERS) shaped like an S/4HANA sales order output. */
export function buildOrderIdoc(input: OrderInput): OrderIdoc {
  const { party, now, rng, variants } = input;
  // SAP's flat IDoc fields are fixed-width CHAR: numbers arrive right-aligned in their field.
  const num = (value: string, width: number) =>
    variants.has('padded-numbers') ? value.padStart(width) : value;
  const date = (value: string) => (variants.has('zero-dates') ? '00000000' : value);
  const partyId: [string, string] = variants.has('lifnr-only')
    ? ['LIFNR', party.KUNNR]
    : ['PARTN', party.KUNNR];
  const currency = party.WAERS || 'EUR';
  const delivery = sapDate(new Date(now.getTime() + rng.int(2, 14) * 86_400_000));
  const leaf = (name: string, fields: [string, string][]): Segment => ({ name, fields, children: [] });

  const items: Segment[] = [];
  let total = 0;
  const count = rng.int(1, 4);
  for (let i = 0; i < count; i++) {
    const material = MATERIALS[(rng.int(0, MATERIALS.length - 1) + i) % MATERIALS.length]!;
    const quantity = rng.int(1, 20);
    const net = Math.round(quantity * material.price * 100) / 100;
    total += net;
    const materialIds = [
      leaf('E1EDP19', [
        ['QUALF', '002'],
        ['IDTNR', material.matnr],
        ['KTEXT', material.text],
      ]),
    ];
    if (rng.chance(0.5))
      materialIds.push(
        leaf('E1EDP19', [
          ['QUALF', '003'],
          ['IDTNR', material.ean],
        ]),
      );
    items.push({
      name: 'E1EDP01',
      fields: [
        ['POSEX', String((i + 1) * 10).padStart(6, '0')],
        ['ACTION', '001'],
        ['MENGE', num(fmt(quantity, 3), 15)],
        ['MENEE', 'PCE'],
        ['VPREI', num(fmt(material.price, 2), 15)],
        ['PEINH', num('1', 9)],
        ['NETWR', num(fmt(net, 2), 18)],
        ['CURCY', currency],
        ['WERKS', '1010'],
      ],
      children: [
        leaf('E1EDP05', [
          ['ALCKZ', '+'],
          ['KOTXT', 'Gross Value'],
          ['BETRG', num(fmt(net, 2), 18)],
          ['UPRBS', num('1', 9)],
        ]),
        leaf('E1EDP20', [
          ['WMENG', num(fmt(quantity, 3), 15)],
          ['EDATU', date(delivery)],
        ]),
        ...materialIds,
      ],
    });
  }
  total = Math.round(total * 100) / 100;

  const address: [string, string][] = [
    ['NAME1', party.NAME1],
    ['STRAS', party.STRAS],
    ['ORT01', party.ORT01],
    ['PSTLZ', party.PSTLZ],
    ['LAND1', party.LAND1],
  ];
  const control = leaf('EDI_DC40', [
    ['TABNAM', 'EDI_DC40'],
    ['MANDT', '100'],
    ['DOCNUM', input.docnum],
    ['DOCREL', '757'],
    ['STATUS', '30'],
    ['DIRECT', '1'],
    ['OUTMOD', '2'],
    ['IDOCTYP', 'ORDERS05'],
    ['MESTYP', 'ORDERS'],
    ['SNDPOR', 'SAPS4H'],
    ['SNDPRT', 'LS'],
    ['SNDPRN', 'S4HCLNT100'],
    ['RCVPOR', 'EAIHUB'],
    ['RCVPRT', 'LS'],
    ['RCVPRN', 'EAIHUB'],
    ['CREDAT', sapDate(now)],
    ['CRETIM', sapTime(now)],
    ['SERIAL', `${sapDate(now)}${sapTime(now)}`],
  ]);
  const segments: Segment[] = [
    leaf('E1EDK01', [
      ['ACTION', '000'],
      ['CURCY', currency],
      ['WKURS', '1.00000'],
      ['ZTERM', '0001'],
      ['BELNR', input.orderNumber],
    ]),
    leaf('E1EDK14', [
      ['QUALF', '008'],
      ['ORGID', '1010'],
    ]),
    leaf('E1EDK14', [
      ['QUALF', '007'],
      ['ORGID', '10'],
    ]),
    leaf('E1EDK14', [
      ['QUALF', '012'],
      ['ORGID', 'TA'],
    ]),
    leaf('E1EDK03', [
      ['IDDAT', '002'],
      ['DATUM', date(delivery)],
    ]),
    leaf('E1EDK03', [
      ['IDDAT', '012'],
      ['DATUM', sapDate(now)],
    ]),
    leaf('E1EDKA1', [['PARVW', 'AG'], partyId, ...address]),
    leaf('E1EDKA1', [['PARVW', 'WE'], partyId, ...address]),
    leaf('E1EDK02', [
      ['QUALF', '001'],
      ['BELNR', input.purchaseOrderNumber],
      ['DATUM', date(sapDate(now))],
    ]),
    leaf('E1EDK02', [
      ['QUALF', '002'],
      ['BELNR', input.orderNumber],
      ['DATUM', sapDate(now)],
    ]),
    ...items,
    leaf('E1EDS01', [
      ['SUMID', '001'],
      ['SUMME', num(String(count), 18)],
    ]),
    leaf('E1EDS01', [
      ['SUMID', '002'],
      ['SUMME', num(fmt(total, 2), 18)],
      ['SUNIT', currency],
    ]),
  ];
  return { control, segments, amount: total, currency };
}

/** Data segments of an IDoc (EDI_DC40 is the control record, not a data segment). */
export function countSegments(segments: Segment[]): number {
  return segments.reduce((sum, segment) => sum + 1 + countSegments(segment.children), 0);
}
