/**
 * The format of a document whose envelope names it: X12 (the GS functional group, else the ST transaction set),
 * EDIFACT (the UNH message type, with the UNA service string's separators), a SAP IDoc (its basic type), an EPCIS 2
 * document or event (its JSON-LD context), an EPCIS XML document (its root element) and a Salesforce change event. Other formats (Shopify, HubSpot, Odoo JSON,
 * CSV) carry no such mark and are never guessed. Reads the first 64 KB; undefined when nothing there names a format.
 */
const SNIFF_BYTES = 64 * 1024;

const literal = (char: string) => char.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');

const X12_GROUPS: Record<string, string> = { PO: 'x12-850', SH: 'x12-856' };
const X12_SETS: Record<string, string> = { '850': 'x12-850', '856': 'x12-856' };
const EDIFACT_MESSAGES: Record<string, string> = { ORDERS: 'edifact-orders', DESADV: 'edifact-desadv' };

function x12(text: string): string | undefined {
  const element = literal(text[3] ?? '*');
  const group = new RegExp(`(?:^|[^A-Za-z0-9])GS${element}(PO|SH)${element}`).exec(text)?.[1];
  if (group) return X12_GROUPS[group];
  const set = new RegExp(`(?:^|[^A-Za-z0-9${element}])ST${element}(850|856)${element}`).exec(text)?.[1];
  return set ? X12_SETS[set] : undefined;
}

function edifact(text: string): string | undefined {
  // UNA:+.? ' names the component and element separators; without it EDIFACT's defaults.
  const una = text.startsWith('UNA');
  const component = literal(una ? (text[3] ?? ':') : ':');
  const element = literal(una ? (text[4] ?? '+') : '+');
  const type = new RegExp(`UNH${element}[^${element}]*${element}([A-Z]{6})${component}`).exec(text)?.[1];
  return type ? EDIFACT_MESSAGES[type] : undefined;
}

export function detectFormat(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SNIFF_BYTES))
    .toString('latin1')
    .replace(/^(\xEF\xBB\xBF|\xFE\xFF|\xFF\xFE)/, '')
    .trimStart();
  if (text.startsWith('ISA')) return x12(text);
  if (text.startsWith('UNA') || text.startsWith('UNB')) return edifact(text);
  if (text.startsWith('<')) {
    if (/<ORDERS05[\s>]|<IDOCTYP>\s*ORDERS05\s*</.test(text)) return 'sap-idoc-orders05';
    // EPCIS 1.x and 2.0 XML: the root element, whatever its namespace prefix.
    return /<(?:[\w.-]+:)?EPCIS(?:Query)?Document[\s>]/.test(text) ? 'epcis-2' : undefined;
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    // A document or a single event: both carry EPCIS 2's JSON-LD context.
    if (/"type"\s*:\s*"EPCIS(Query)?Document"|epcis-context\.jsonld/.test(text)) return 'epcis-2';
    if (/"ChangeEventHeader"\s*:/.test(text)) return 'salesforce-cdc';
  }
  return undefined;
}
