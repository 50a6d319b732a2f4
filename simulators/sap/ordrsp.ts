import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { OrderStatusRecord } from './state.ts';

type Fields = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['IDOC', 'E1EDK02', 'E1EDP01', 'E1EDP20'].includes(name),
});

export type ParsedIdoc = Omit<OrderStatusRecord, 'file' | 'receivedAt' | 'status' | 'reason'> & {
  problem?: string;
};

const str = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/**
 * Reads an inbound file as SAP's inbound port would: the whole file must be well-formed XML (else the file
 * fails as one), then each IDOC is checked on its own (control record, basic type, message type ORDRSP).
 * Independent of the hub's reader on purpose: the simulator must not share the bugs of what it tests.
 */
export function readOrderResponses(xml: string): ParsedIdoc[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const root = parser.parse(xml) as Fields;
  const top = Object.entries(root).find(([name]) => !name.startsWith('?'));
  const idocs = (top?.[1] as Fields | undefined)?.IDOC as Fields[] | undefined;
  if (!idocs || idocs.length === 0) throw new Error(`no IDOC element under <${top?.[0] ?? '?'}>`);
  return idocs.map((idoc) => {
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
  });
}
