import { qualifiers } from '../derived.ts';
import { addToParty, contact, startParty, type X12Contact, type X12Party } from '../x12/common-loops.ts';
import type { X12Envelope, X12TransactionSet } from '../x12/envelope.ts';
import {
  type DtmNode,
  type Fields,
  fobFields,
  type Po4Node,
  pairs,
  pick,
  type RefNode,
  ref,
  X12Checks,
} from '../x12/fields.ts';
import { element, locate, type X12Segment } from '../x12/segment.ts';
import { decimalsEqual, sumDecimals } from '../x12/values.ts';

type Dtm = DtmNode;
type Ref = RefNode;
/**
 * TD5 carrier details: TD501 routing sequence, TD502 / TD503 the carrier's id, TD504 transport method, TD505
 * free-text routing, TD506 shipment / order status (CC complete, PR partial…), TD507 / TD508 a location (qualifier and
 * id: PP pool point, OR origin…), TD509 / TD510 / TD511 transit direction, time qualifier and time, TD512 / TD513 /
 * TD514 service levels (element 284: CG ground, ND next day air…), TD515 a country code.
 */
type Td5 = Fields<
  | 'routingSequence'
  | 'idQualifier'
  | 'carrierId'
  | 'transportationMethod'
  | 'routing'
  | 'shipmentStatus'
  | 'locationQualifier'
  | 'location'
  | 'transitDirection'
  | 'transitTimeQualifier'
  | 'transitTime'
  | 'serviceLevel'
  | 'serviceLevel2'
  | 'serviceLevel3'
  | 'country'
>;

/**
 * SAC service, promotion, allowance or charge: SAC01 A (allowance) / C (charge) / N (no charge), SAC02 its code
 * (e.g. D240 freight, C310 discount), SAC03 / SAC04 an agency's code for it (VI: a VICS or the partner's own, e.g. a
 * retailer's allowance number), SAC05 its amount in N2 (implied two decimals: `1500` is 15.00), SAC06/07 a percent
 * and what it applies to, SAC08 a rate per SAC09 unit, SAC10 / SAC11 a quantity and the second of a range, SAC12 how
 * it is handled (02 off invoice, 06 charged to the customer…), SAC13 its reference (a promotion or deal number),
 * SAC14 an option number, SAC15 a description, SAC16 its language.
 */
type Sac = Fields<
  | 'indicator'
  | 'code'
  | 'agencyQualifier'
  | 'agencyCode'
  | 'amount'
  | 'percentQualifier'
  | 'percent'
  | 'rate'
  | 'unit'
  | 'quantity'
  | 'quantity2'
  | 'handling'
  | 'referenceId'
  | 'optionNumber'
  | 'description'
  | 'language'
>;

/**
 * ITD terms of sale: ITD01 terms type (01 basic, 08 basic discount offered…), ITD02 the date they run from (3 invoice
 * date…), ITD03 discount percent, ITD04 / ITD05 discount due date / days, ITD06 / ITD07 net due date / days, ITD08
 * discount amount in N2, ITD09 deferred due date, ITD10 deferred amount due in N2, ITD11 percent of the invoice
 * payable, ITD12 description, ITD13 day of month, ITD14 payment method.
 */
type Itd = Fields<
  | 'type'
  | 'basisDate'
  | 'discountPercent'
  | 'discountDueDate'
  | 'discountDays'
  | 'netDueDate'
  | 'netDays'
  | 'discountAmount'
  | 'deferredDueDate'
  | 'deferredAmount'
  | 'invoicePercent'
  | 'description'
  | 'dayOfMonth'
  | 'paymentMethod'
>;

/**
 * FOB-related instructions, named as the 856 reader names them: FOB01 who pays the freight (PP prepaid, CC collect…),
 * FOB02 / FOB03 where (OR origin, DE destination…, and its text), FOB04 / FOB05 the transportation terms (01 =
 * Incoterms, e.g. FCA), FOB06 / FOB07 the terms' place, FOB08 / FOB09 where the risk of loss passes.
 */
type Fob = Fields<keyof typeof fobFields>;

/** PKG marking, packaging, loading: PKG01 description type (F free-form, S structured), PKG02 characteristic, PKG03 agency, PKG04 code, PKG05 text. */
type Pkg = Fields<'descriptionType' | 'characteristic' | 'agency' | 'code' | 'description'>;

export interface X12Note extends Fields<'qualifier' | 'id'> {
  messages: string[];
}

/** A PO1 loop: the line and what belongs to it (PID, PO4, SCH, SDQ, DTM, REF, N9/MSG, SAC, ITD, FOB, TD5, PKG, N1 loops). */
export interface X12PurchaseOrderLine
  extends Fields<'lineNumber' | 'quantity' | 'unit' | 'unitPrice' | 'priceBasis'> {
  productIds: { qualifier: string; id: string }[];
  /**
   * PID: PID01 type (F free-form, S structured), PID02 characteristic, PID03 agency, PID04 its code, PID05 the text,
   * PID06 surface / layer / position, PID07 source subqualifier, PID08 yes / no (Y: the described is not there),
   * PID09 language.
   */
  descriptions: Fields<
    | 'type'
    | 'characteristic'
    | 'agency'
    | 'code'
    | 'text'
    | 'position'
    | 'sourceSubqualifier'
    | 'condition'
    | 'language'
  >[];
  packaging: Po4Node[];
  /**
   * SCH: SCH01 / SCH02 quantity and unit, SCH03 / SCH04 a party (entity code and name), SCH05-07 a date (qualifier,
   * date, time), SCH08-10 a second one (e.g. the end of a window), SCH11 request reference, SCH12 the schedule
   * line's own id (element 350, assigned identification).
   */
  schedules: Fields<
    | 'quantity'
    | 'unit'
    | 'entityCode'
    | 'name'
    | 'dateQualifier'
    | 'date'
    | 'time'
    | 'dateQualifier2'
    | 'date2'
    | 'time2'
    | 'requestReference'
    | 'scheduleLineId'
  >[];
  /**
   * SDQ destination quantities (a line's split by store or warehouse): SDQ01 unit, SDQ02 the locations' id qualifier
   * (92 the buyer's, UL GLN…), SDQ03-22 up to ten location / quantity pairs, SDQ23 a location code for them all.
   */
  destinations: (Fields<'unit' | 'idQualifier' | 'location'> & {
    quantities: { location: string; quantity: string }[];
  })[];
  dates: Dtm[];
  refs: Ref[];
  notes: X12Note[];
  parties: X12Party[];
  td5: Td5[];
  allowancesCharges: Sac[];
  itd: Itd[];
  fob: Fob[];
  pkg: Pkg[];
  otherSegments: X12Segment[];
}

export interface X12PurchaseOrderTree {
  envelope: X12Envelope;
  /** ST..SE as read; the nodes below are views of the same segments. */
  segments: X12Segment[];
  /**
   * BEG01-06 (purpose, type, PO number, release, date, contract), BEG07 the acknowledgment the buyer asks for (AC with
   * detail and change, AD with detail, AK without detail, NA none), BEG08 invoice type, BEG09 contract type, BEG10
   * purchase category, BEG11 security level, BEG12 transaction type.
   */
  beg: Fields<
    | 'purpose'
    | 'type'
    | 'poNumber'
    | 'releaseNumber'
    | 'date'
    | 'contractNumber'
    | 'acknowledgmentType'
    | 'invoiceType'
    | 'contractType'
    | 'purchaseCategory'
    | 'securityLevel'
    | 'transactionType'
  >;
  currency?: Fields<'entityCode' | 'code' | 'exchangeRate'>;
  refs: Ref[];
  dates: Dtm[];
  contacts: X12Contact[];
  /** Header AMT and the AMT of the CTT loop (the stated order total, qualifier TT), in file order. */
  amounts: Fields<'qualifier' | 'amount'>[];
  notes: X12Note[];
  parties: X12Party[];
  td5: Td5[];
  allowancesCharges: Sac[];
  itd: Itd[];
  fob: Fob[];
  pkg: Pkg[];
  /** PO4s sent in the heading, before the first PO1 (a PO1 loop's are its line's `packaging`). */
  packaging: Po4Node[];
  lines: X12PurchaseOrderLine[];
  summary?: Fields<'lineCount' | 'hashTotal'>;
  otherSegments: X12Segment[];
}

const FORMAT = 'x12-850';

/** Resolves the 850's loops in one pass over the set's segments. */
export function buildPurchaseOrder(set: X12TransactionSet): X12PurchaseOrderTree {
  const check = new X12Checks(FORMAT, set.envelope.group.version);
  const st = set.segments[0]!;
  const root = {
    envelope: set.envelope,
    segments: set.segments,
    refs: [],
    dates: [],
    contacts: [],
    amounts: [],
    notes: [],
    parties: [],
    td5: [],
    allowancesCharges: [],
    itd: [],
    fob: [],
    pkg: [],
    packaging: [],
    lines: [],
    otherSegments: [],
  } as Omit<X12PurchaseOrderTree, 'beg'> & { beg?: X12PurchaseOrderTree['beg'] };
  let line: X12PurchaseOrderLine | undefined;
  let party: X12Party | undefined;
  let partyPath = '';
  let note: X12Note | undefined;
  let path = set.path;
  let inSummary = false;

  for (const segment of set.segments) {
    const { tag } = segment;
    if (tag === 'ST' || tag === 'SE') continue;
    if (party && addToParty(party, segment, partyPath)) continue;
    if (tag === 'MSG') {
      locate(segment, path);
      // A MSG outside an N9 loop (an SPI loop's instructions, or one sent on its own) is a note of its own.
      if (!note) {
        note = { $loc: segment.$loc, messages: [] };
        (inSummary ? root : (line ?? root)).notes.push(note);
        party = undefined;
      }
      note.messages.push(element(segment, 1));
      continue;
    }
    party = undefined;
    note = undefined;
    switch (tag) {
      case 'BEG':
        check.mandatory(locate(segment, path), 3, 'purchase order number');
        root.beg = pick(check.date(segment, 5, true), {
          purpose: 1,
          type: 2,
          poNumber: 3,
          releaseNumber: 4,
          date: 5,
          contractNumber: 6,
          acknowledgmentType: 7,
          invoiceType: 8,
          contractType: 9,
          purchaseCategory: 10,
          securityLevel: 11,
          transactionType: 12,
        });
        break;
      case 'CUR':
        check.currency(locate(segment, path), 2);
        root.currency = qualifiers(pick(segment, { entityCode: 1, code: 2, exchangeRate: 3 }), [
          'entityCode',
        ]);
        break;
      case 'PO1': {
        path = `${set.path}/PO1#${root.lines.length + 1}`;
        locate(segment, path);
        check.decimal(segment, 2);
        check.unit(segment, 3);
        check.decimal(segment, 4);
        line = {
          ...pick(segment, { lineNumber: 1, quantity: 2, unit: 3, unitPrice: 4, priceBasis: 5 }),
          productIds: pairs(segment, 6, 25),
          descriptions: [],
          packaging: [],
          schedules: [],
          destinations: [],
          dates: [],
          refs: [],
          notes: [],
          parties: [],
          td5: [],
          allowancesCharges: [],
          itd: [],
          fob: [],
          pkg: [],
          otherSegments: [],
        };
        root.lines.push(line);
        break;
      }
      case 'N1': {
        const owner = line ?? root;
        partyPath = `${path}/N1#${owner.parties.length + 1}`;
        party = startParty(segment, partyPath);
        owner.parties.push(party);
        break;
      }
      case 'CTT':
        inSummary = true;
        path = set.path;
        locate(segment, path);
        check.integer(segment, 1, true);
        check.decimal(segment, 2);
        root.summary = pick(segment, { lineCount: 1, hashTotal: 2 });
        break;
      default:
        addDetail(segment, inSummary ? undefined : line, root, path, check);
        note = openNote(segment, inSummary ? undefined : line, root);
    }
  }
  const beg = check.present(root.beg, 'BEG', st);
  checkTotals(root.lines, root.summary, check);
  return { ...root, beg };
}

function openNote(
  segment: X12Segment,
  line: X12PurchaseOrderLine | undefined,
  root: { notes: X12Note[] },
): X12Note | undefined {
  if (segment.tag !== 'N9') return undefined;
  return (line ?? root).notes[(line ?? root).notes.length - 1];
}

function addDetail(
  segment: X12Segment,
  line: X12PurchaseOrderLine | undefined,
  root: Omit<X12PurchaseOrderTree, 'beg'>,
  path: string,
  check: X12Checks,
): void {
  locate(segment, path);
  const owner = line ?? root;
  switch (segment.tag) {
    case 'REF':
      owner.refs.push(ref(segment));
      return;
    case 'DTM':
      owner.dates.push(check.dtm(segment));
      return;
    case 'N9':
      owner.notes.push({ ...pick(segment, { qualifier: 1, id: 2 }), messages: [] });
      return;
    case 'SAC':
      check.integer(segment, 5);
      check.decimal(segment, 7);
      check.decimal(segment, 8);
      check.decimal(segment, 10);
      check.decimal(segment, 11);
      owner.allowancesCharges.push(
        pick(segment, {
          indicator: 1,
          code: 2,
          agencyQualifier: 3,
          agencyCode: 4,
          amount: 5,
          percentQualifier: 6,
          percent: 7,
          rate: 8,
          unit: 9,
          quantity: 10,
          quantity2: 11,
          handling: 12,
          referenceId: 13,
          optionNumber: 14,
          description: 15,
          language: 16,
        }),
      );
      return;
    case 'ITD': {
      check.decimal(segment, 3);
      const discountDated = check.date(segment, 4);
      check.integer(segment, 5);
      const dated = check.date(check.date(discountDated, 6), 9);
      check.integer(segment, 7);
      check.integer(segment, 8);
      check.integer(segment, 10);
      check.decimal(segment, 11);
      check.integer(segment, 13);
      owner.itd.push(
        pick(dated, {
          type: 1,
          basisDate: 2,
          discountPercent: 3,
          discountDueDate: 4,
          discountDays: 5,
          netDueDate: 6,
          netDays: 7,
          discountAmount: 8,
          deferredDueDate: 9,
          deferredAmount: 10,
          invoicePercent: 11,
          description: 12,
          dayOfMonth: 13,
          paymentMethod: 14,
        }),
      );
      return;
    }
    case 'FOB':
      owner.fob.push(pick(segment, fobFields));
      return;
    case 'PO4':
      owner.packaging.push(check.po4(segment));
      return;
    case 'PKG':
      owner.pkg.push(
        pick(segment, { descriptionType: 1, characteristic: 2, agency: 3, code: 4, description: 5 }),
      );
      return;
    case 'TD5':
      owner.td5.push(
        pick(segment, {
          routingSequence: 1,
          idQualifier: 2,
          carrierId: 3,
          transportationMethod: 4,
          routing: 5,
          shipmentStatus: 6,
          locationQualifier: 7,
          location: 8,
          transitDirection: 9,
          transitTimeQualifier: 10,
          transitTime: 11,
          serviceLevel: 12,
          serviceLevel2: 13,
          serviceLevel3: 14,
          country: 15,
        }),
      );
      return;
  }
  if (line) {
    switch (segment.tag) {
      case 'PID':
        line.descriptions.push(
          qualifiers(
            pick(segment, {
              type: 1,
              characteristic: 2,
              agency: 3,
              code: 4,
              text: 5,
              position: 6,
              sourceSubqualifier: 7,
              condition: 8,
              language: 9,
            }),
            ['type'],
          ),
        );
        return;
      case 'SCH':
        check.decimal(segment, 1, true);
        check.unit(segment, 2);
        line.schedules.push(
          pick(check.date(check.date(segment, 6), 9), {
            quantity: 1,
            unit: 2,
            entityCode: 3,
            name: 4,
            dateQualifier: 5,
            date: 6,
            time: 7,
            dateQualifier2: 8,
            date2: 9,
            time2: 10,
            requestReference: 11,
            scheduleLineId: 12,
          }),
        );
        return;
      case 'SDQ': {
        const quantities: { location: string; quantity: string }[] = [];
        for (let n = 3; n <= 21; n += 2) {
          check.decimal(segment, n + 1);
          const location = element(segment, n);
          const quantity = element(segment, n + 1);
          if (location !== '' || quantity !== '') quantities.push({ location, quantity });
        }
        line.destinations.push({ ...pick(segment, { unit: 1, idQualifier: 2, location: 23 }), quantities });
        return;
      }
    }
  } else if (segment.tag === 'PER') {
    root.contacts.push(contact(segment));
    return;
  } else if (segment.tag === 'AMT') {
    check.decimal(segment, 2, true);
    root.amounts.push(pick(segment, { qualifier: 1, amount: 2 }));
    return;
  }
  owner.otherSegments.push(segment);
}

/** CTT01 must count the PO1 lines and CTT02, when sent, must equal the sum of PO102: both are checked, not trusted. */
function checkTotals(
  lines: X12PurchaseOrderLine[],
  summary: X12PurchaseOrderTree['summary'],
  check: X12Checks,
): void {
  if (!summary) return;
  if (Number(summary.lineCount) !== lines.length) {
    check.fail(
      `${summary.$loc}, element CTT01`,
      `control count mismatch: CTT01 says ${summary.lineCount} but there are ${lines.length} PO1 lines`,
    );
  }
  if (summary.hashTotal !== undefined) {
    const total = sumDecimals(lines.map((l) => l.quantity ?? '0'));
    if (!decimalsEqual(total, summary.hashTotal)) {
      check.fail(
        `${summary.$loc}, element CTT02`,
        `hash total mismatch: CTT02 says ${summary.hashTotal} but the PO102 quantities add up to ${total}`,
      );
    }
  }
}
