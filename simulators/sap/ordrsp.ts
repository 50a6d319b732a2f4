import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { OrderStatusRecord } from './state.ts';

type Fields = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) =>
    ['IDOC', 'E1EDK02', 'E1EDK14', 'E1EDP01', 'E1EDP19', 'E1EDP20', 'E1EDP26'].includes(name),
});

/** Sales document types of a credit memo request: CR as SAP shows it (English), G2 its internal (German) key. */
export const CREDIT_MEMO_REQUEST_TYPES = new Set(['CR', 'G2']);

export type ParsedIdoc = Omit<
  OrderStatusRecord,
  'file' | 'receivedAt' | 'status' | 'reason' | 'reference' | 'orderNumber' | 'purchaseOrderNumber'
> & {
  /** E1EDK02 QUALF 001 BELNR: the order reference as the response carries it (the record's `reference`). */
  orderNumber: string;
  problem?: string;
};

const str = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/**
 * Reads an inbound file as SAP's inbound port would: the whole file must be well-formed XML (else the file
 * fails as one), then each IDOC is checked on its own (control record, basic type, message type ORDRSP).
 * Independent of the hub's reader on purpose: the simulator must not share the bugs of what it tests.
 */
/** The IDOC elements of a well-formed file (else the file fails as one). */
export function readIdocs(xml: string): Fields[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const root = parser.parse(xml) as Fields;
  const top = Object.entries(root).find(([name]) => !name.startsWith('?'));
  const idocs = (top?.[1] as Fields | undefined)?.IDOC as Fields[] | undefined;
  if (!idocs || idocs.length === 0) throw new Error(`no IDOC element under <${top?.[0] ?? '?'}>`);
  return idocs;
}

/** An inbound ORDERS IDoc's sales document type: E1EDK14 QUALF 012 (as SD's inbound takes it), else E1EDK01-BSART. */
export function salesDocumentType(idoc: Fields): string {
  const organization = (idoc.E1EDK14 ?? []) as Fields[];
  const qualified = str(organization.find((o) => str(o.QUALF) === '012')?.ORGID);
  return qualified || str((idoc.E1EDK01 as Fields | undefined)?.BSART);
}

export function messageType(idoc: Fields): string {
  return str((idoc.EDI_DC40 as Fields | undefined)?.MESTYP);
}

export type ParsedCreditMemoRequest = {
  docnum: string;
  sender: string;
  /** E1EDK01-BELNR: the sender's document number, unique per sender (the duplicate check). */
  senderDocument: string;
  documentType: string;
  /** E1EDK01-AUGRU: order reason. */
  reason: string;
  currency: string;
  /** E1EDK02 QUALF 001: the customer's purchase order; QUALF 002: the original sales order. */
  purchaseOrderNumber: string;
  referenceOrder: string;
  soldTo: string;
  items: { POSEX: string; MENGE: string; MENEE: string; MATNR: string; NETWR: string }[];
  problem?: string;
};

/** An inbound ORDERS IDoc of a credit memo request (SD document type CR), checked as IDOC_INPUT_ORDERS would. */
export function creditMemoRequest(idoc: Fields): ParsedCreditMemoRequest {
  const control = (idoc.EDI_DC40 ?? {}) as Fields;
  const header = (idoc.E1EDK01 ?? {}) as Fields;
  const references = (idoc.E1EDK02 ?? []) as Fields[];
  const partners = (
    Array.isArray(idoc.E1EDKA1) ? idoc.E1EDKA1 : idoc.E1EDKA1 ? [idoc.E1EDKA1] : []
  ) as Fields[];
  const items = (idoc.E1EDP01 ?? []) as Fields[];
  const reference = (qualifier: string) => str(references.find((r) => str(r.QUALF) === qualifier)?.BELNR);
  const parsed: ParsedCreditMemoRequest = {
    docnum: str(control.DOCNUM),
    sender: str(control.SNDPRN),
    senderDocument: str(header.BELNR),
    documentType: salesDocumentType(idoc),
    reason: str(header.AUGRU),
    currency: str(header.CURCY),
    purchaseOrderNumber: reference('001'),
    referenceOrder: reference('002'),
    soldTo: str(partners.find((p) => str(p.PARVW) === 'AG')?.PARTN),
    items: items.map((item) => {
      const amounts = (item.E1EDP26 ?? []) as Fields[];
      const materials = (item.E1EDP19 ?? []) as Fields[];
      return {
        POSEX: str(item.POSEX),
        MENGE: str(item.MENGE),
        MENEE: str(item.MENEE),
        MATNR: str(materials.find((m) => str(m.QUALF) === '002')?.IDTNR),
        NETWR: str(amounts.find((a) => str(a.QUALF) === '003')?.BETRG),
      };
    }),
  };
  const problem = !idoc.EDI_DC40
    ? 'control record EDI_DC40 missing'
    : !parsed.docnum
      ? 'EDI_DC40-DOCNUM missing'
      : str(control.IDOCTYP) !== 'ORDERS05'
        ? `basic type ${str(control.IDOCTYP) || '(empty)'} is not ORDERS05`
        : !idoc.E1EDK01
          ? 'header segment E1EDK01 missing'
          : !parsed.senderDocument
            ? "no sender's document number (E1EDK01-BELNR)"
            : parsed.items.length === 0
              ? 'no items (E1EDP01)'
              : undefined;
  return problem ? { ...parsed, problem } : parsed;
}

export function orderResponse(idoc: Fields): ParsedIdoc {
  const control = (idoc.EDI_DC40 ?? {}) as Fields;
  const header = (idoc.E1EDK01 ?? {}) as Fields;
  const references = (idoc.E1EDK02 ?? []) as Fields[];
  const items = (idoc.E1EDP01 ?? []) as Fields[];
  const parsed: ParsedIdoc = {
    docnum: str(control.DOCNUM),
    sender: str(control.SNDPRN),
    orderNumber: str(references.find((r) => str(r.QUALF) === '001')?.BELNR),
    action: str(header.ACTION),
    confirmationNumber: str(header.BELNR),
    items: items.map((item) => {
      const schedule = ((item.E1EDP20 ?? []) as Fields[])[0];
      const edatu = str(schedule?.EDATU);
      return {
        POSEX: str(item.POSEX),
        ACTION: str(item.ACTION),
        MENGE: str(item.MENGE),
        ...(edatu ? { EDATU: edatu } : {}),
      };
    }),
  };
  const problem = !idoc.EDI_DC40
    ? 'control record EDI_DC40 missing'
    : !parsed.docnum
      ? 'EDI_DC40-DOCNUM missing'
      : str(control.IDOCTYP) !== 'ORDERS05'
        ? `basic type ${str(control.IDOCTYP) || '(empty)'} is not ORDERS05`
        : str(control.MESTYP) !== 'ORDRSP'
          ? `message type ${str(control.MESTYP) || '(empty)'} is not ORDRSP`
          : !idoc.E1EDK01
            ? 'header segment E1EDK01 missing'
            : !parsed.orderNumber
              ? 'no order reference (E1EDK02 QUALF 001)'
              : undefined;
  return problem ? { ...parsed, problem } : parsed;
}
