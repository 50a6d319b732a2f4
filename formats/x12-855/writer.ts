import { z } from 'zod';
import { quotedValue } from '../../lib/errors.ts';
import { normalizeDecimal } from '../../schemas/logical-types.ts';
import type { NumberedEnvelope } from '../types.ts';
import { outboundOptions, writeOutboundSet, x12Elements } from '../x12/outbound.ts';
import { sumDecimals } from '../x12/values.ts';
import type { X12SegmentInput } from '../x12/writer.ts';
import type { X12AcknowledgmentLine, X12AcknowledgmentTree, X12OutboundEnvelope } from './tree.ts';

export const FORMAT = 'x12-855';

const id = (max: number) => z.string().min(1).max(max);

/** The writer's options: a mapping's `options.x12-855`. */
export const x12AcknowledgmentOptions = z
  .object({
    envelope: z
      .object({
        senderQualifier: z
          .string()
          .length(2)
          .optional()
          .describe('ISA05: our id’s qualifier (ZZ, 01 DUNS, 12 phone…).'),
        senderId: id(15).optional().describe('ISA06: our interchange id.'),
        receiverQualifier: z.string().length(2).optional().describe('ISA07: the partner’s qualifier.'),
        receiverId: id(15).optional().describe('ISA08: the partner’s interchange id.'),
        senderCode: z.string().min(2).max(15).optional().describe('GS02 (default ISA06).'),
        receiverCode: z.string().min(2).max(15).optional().describe('GS03 (default ISA08).'),
        version: z
          .string()
          .regex(/^\d{6}/, 'GS08, e.g. 004010 or 005010')
          .optional()
          .describe('GS08 (default the order’s, else 004010); ISA12 is its first five digits.'),
        usage: z.enum(['P', 'T', 'I']).optional().describe('ISA15: P production, T test, I information.'),
        override: z
          .boolean()
          .optional()
          .describe(
            "true: these values win over the document's (a partner who wants its answers at another id than the one it sends from, a test ISA15 for a production order); the document's fill in what is not given here.",
          ),
      })
      .strict()
      .optional()
      .describe(
        "Envelope values where the order does not carry them (the 850's ISA / GS, sender and receiver swapped, as the mapping takes them, come first; with `override` these come first): our ISA05 / ISA06 and the partner's ISA07 / ISA08, GS02 / GS03, GS08, ISA15.",
      ),
    separators: z
      .object({
        element: z.string().length(1).default('*'),
        component: z.string().length(1).default('>'),
        segment: z.string().length(1).default('~'),
      })
      .strict()
      .optional()
      .describe('The separators the partner takes (default `*`, `>`, `~`).'),
    lineEnding: z
      .enum(['', '\n', '\r\n'])
      .default('\n')
      .describe(
        'Written after each segment terminator: a newline by default (readable, and every X12 reader skips it).',
      ),
  })
  .strict();

export type X12AcknowledgmentOptions = z.input<typeof x12AcknowledgmentOptions>;

/** BAK02, X12 element 587 (Acknowledgment Type). */
const BAK02 = ['AC', 'AD', 'AE', 'AH', 'AK', 'AP', 'AT', 'NA', 'RD', 'RF', 'RJ', 'RN', 'RO', 'RV', 'ZZ'];
/** ACK01, X12 element 668 (Line Item Status Code), 004010. */
const ACK01 = [
  'AA',
  'AC',
  'AR',
  'BP',
  'DR',
  'IA',
  'IB',
  'IC',
  'ID',
  'IE',
  'IF',
  'IH',
  'IP',
  'IQ',
  'IR',
  'IS',
  'IW',
  'R1',
  'R2',
  'R3',
  'R4',
  'R5',
  'R6',
  'R7',
  'R8',
  'SP',
];
/** BAK02 codes that say the set carries no line detail: no PO1 loop goes with them. */
const WITHOUT_DETAIL = ['AK', 'AT', 'NA', 'RJ'];

const { fail, text, required, optional, decimal: quantity, date, envelope } = x12Elements(FORMAT);

function code(value: unknown, allowed: readonly string[], location: string, what: string): string {
  const v = text(value);
  if (!allowed.includes(v)) fail(location, `${what} ${quotedValue(v)} is not one of ${allowed.join(', ')}`);
  return v;
}

/** The envelope: the order's values, the options' where it has none. */
const envelopeOf = (tree: X12OutboundEnvelope | undefined, options: X12OutboundEnvelope = {}) =>
  envelope(tree, options, {
    sender:
      'ours: the order’s x12.ISA08, else the sink’s config.envelope.senderId or options.x12-855.envelope.senderId',
    receiver: "the partner's ISA06 of its 850",
  });

function lineSegments(line: X12AcknowledgmentLine, n: number, short: boolean): X12SegmentInput[] {
  const at = `PO1#${n}`;
  const ids = (line.productIds ?? []).flatMap((p, i) => [
    required(p.qualifier, `${at}/PO1${String(6 + 2 * i).padStart(2, '0')}`, 'product id qualifier', 2),
    required(p.id, `${at}/PO1${String(7 + 2 * i).padStart(2, '0')}`, 'product id', 48),
  ]);
  if (ids.length > 20) fail(`${at}/PO106`, `at most 10 product ids in PO1, given ${ids.length / 2}`);
  const segments: X12SegmentInput[] = [
    {
      tag: 'PO1',
      elements: [
        required(line.lineNumber, `${at}/PO101`, 'line number', 20),
        quantity(line.quantity, `${at}/PO102`, 'quantity'),
        required(line.unit, `${at}/PO103`, 'unit', 2),
        text(line.unitPrice) ? quantity(line.unitPrice, `${at}/PO104`, 'unit price') : '',
        text(line.unitPrice) ? optional(line.priceBasis, `${at}/PO105`, 'price basis', 2) : '',
        ...ids,
      ],
    },
  ];
  if (line.acks.length === 0) fail(`${at}/ACK`, `line ${line.lineNumber} has no ACK (its status)`);
  if (line.acks.length > 104) fail(`${at}/ACK`, `at most 104 ACK loops per line, given ${line.acks.length}`);
  line.acks.forEach((ack, a) => {
    const where = `${at}/ACK#${a + 1}`;
    const qty = text(ack.quantity);
    const when = text(ack.date);
    segments.push({
      tag: 'ACK',
      elements: [
        code(ack.status, ACK01, `${where}/ACK01`, 'line item status'),
        qty ? quantity(qty, `${where}/ACK02`, 'quantity') : '',
        qty ? required(text(ack.unit) || line.unit, `${where}/ACK03`, 'unit', 2) : '',
        when ? required(ack.dateQualifier, `${where}/ACK04`, 'date qualifier', 3) : '',
        when ? date(when, short, `${where}/ACK05`, 'date') : '',
      ],
    });
  });
  return segments;
}

/**
 * One 855 in an interchange of its own: ISA13 and GS06 are `envelope.controlNumber`, ST02 0001; CTT01 counts the PO1
 * loops and CTT02 sums their PO102, so neither can disagree with the lines. A value X12 cannot carry (a separator
 * in it, a code its element does not have, an id over its length) is refused with its place.
 */
export function writeAcknowledgment(
  tree: X12AcknowledgmentTree,
  options: unknown = {},
  envelope?: NumberedEnvelope,
): Buffer {
  const { options: parsed, numbered } = outboundOptions(FORMAT, x12AcknowledgmentOptions, options, envelope);
  const own = envelopeOf(tree.envelope, parsed.envelope);
  const short = own.version < '004010';
  const bak = tree.bak ?? fail('BAK', 'missing BAK');
  const type = code(bak.type, BAK02, 'BAK02', 'acknowledgment type');
  const body: X12SegmentInput[] = [
    {
      tag: 'BAK',
      elements: [
        required(bak.purpose, 'BAK01', 'transaction set purpose', 2),
        type,
        required(bak.poNumber, 'BAK03', 'purchase order number', 22),
        date(bak.poDate, short, 'BAK04', 'purchase order date'),
        optional(bak.releaseNumber, 'BAK05', 'release number', 30),
        '',
        '',
        optional(bak.sellerOrderNumber, 'BAK08', "seller's order number", 30),
        text(bak.date) ? date(bak.date, short, 'BAK09', 'acknowledgment date') : '',
      ],
    },
  ];
  if (text(tree.currency))
    body.push({ tag: 'CUR', elements: ['SE', required(tree.currency, 'CUR02', 'currency', 3)] });
  (tree.references ?? []).forEach((ref, i) => {
    body.push({
      tag: 'REF',
      elements: [
        required(ref.qualifier, `REF#${i + 1}/REF01`, 'reference qualifier', 3),
        required(ref.value, `REF#${i + 1}/REF02`, 'reference', 30),
      ],
    });
  });
  (tree.dates ?? []).forEach((d, i) => {
    body.push({
      tag: 'DTM',
      elements: [
        required(d.qualifier, `DTM#${i + 1}/DTM01`, 'date qualifier', 3),
        date(d.date, short, `DTM#${i + 1}/DTM02`, 'date'),
      ],
    });
  });
  (tree.parties ?? []).forEach((party, i) => {
    const at = `N1#${i + 1}`;
    const partyId = optional(party.id, `${at}/N104`, 'party id', 80);
    const name = text(party.name).slice(0, 60);
    if (!partyId && !name) fail(`${at}/N102`, 'a party needs a name or an id');
    body.push({
      tag: 'N1',
      elements: [
        required(party.entityCode, `${at}/N101`, 'entity code', 3),
        name,
        partyId ? required(party.idQualifier, `${at}/N103`, 'id qualifier', 2) : '',
        partyId,
      ],
    });
  });
  const detail = !WITHOUT_DETAIL.includes(type);
  const lines = detail ? tree.lines : [];
  lines.forEach((line, n) => {
    body.push(...lineSegments(line, n + 1, short));
  });
  if (lines.length > 0) {
    body.push({
      tag: 'CTT',
      elements: [
        String(lines.length),
        sumDecimals(lines.map((line) => normalizeDecimal(text(line.quantity)))),
      ],
    });
  }
  return writeOutboundSet(own, numbered, { functionalId: 'PR', type: '855', segments: body }, parsed);
}
