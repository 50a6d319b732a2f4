import { BARE_EDIFACT } from './edifact/tokenizer.ts';
import { BARE_X12 } from './x12/tokenizer.ts';

/**
 * The format of a document whose envelope names it: X12 (the GS functional group, else the ST transaction set),
 * EDIFACT (the UNH message type, with the UNA service string's separators), a SAP IDoc (its basic type, in IDoc-XML or
 * a flat file's control record EDI_DC40), an EPCIS 2 document or event (its JSON-LD context), an EPCIS XML document
 * (its root element), a Salesforce change event and a HubSpot webhook batch of contact subscriptions (its events'
 * eventId, subscriptionId, portalId, objectId and subscriptionType); any other XML document is `xml` (formats/xml:
 * UBL, cXML, a system's export), read by the mapping one names, except an IDoc of another basic type
 * (`unreadDocument` names it, as it names a webhook batch of other objects' subscriptions). Other formats (Shopify,
 * HubSpot CRM objects, Odoo JSON, CSV) carry no such mark and are never guessed. Reads the first 64 KB;
 * undefined when nothing there names a format the hub reads (`unreadDocument` says what it names then).
 */
const SNIFF_BYTES = 64 * 1024;

const literal = (char: string) => char.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');

const X12_GROUPS: Record<string, string> = { PO: 'x12-850', SH: 'x12-856' };
const X12_SETS: Record<string, string> = { '850': 'x12-850', '856': 'x12-856' };
const EDIFACT_MESSAGES: Record<string, string> = { ORDERS: 'edifact-orders', DESADV: 'edifact-desadv' };

/** The X12 functional group's code (GS01) and transaction set (ST01), as far as the text names them. */
function x12Names(text: string): { group?: string; set?: string } {
  const element = literal(text[3] ?? '*');
  const group = new RegExp(`(?:^|[^A-Za-z0-9])GS${element}([A-Z]{2})${element}`).exec(text)?.[1];
  const set = new RegExp(`(?:^|[^A-Za-z0-9${element}])ST${element}(\\d{3})${element}`).exec(text)?.[1];
  return { group, set };
}

/** The format of the first group (GS PO / SH) or, without one, transaction set (ST 850 / 856) the hub reads. */
function x12(text: string): string | undefined {
  const element = literal(text[3] ?? '*');
  const group = new RegExp(`(?:^|[^A-Za-z0-9])GS${element}(PO|SH)${element}`).exec(text)?.[1];
  if (group) return X12_GROUPS[group];
  const set = new RegExp(`(?:^|[^A-Za-z0-9${element}])ST${element}(850|856)${element}`).exec(text)?.[1];
  return set ? X12_SETS[set] : undefined;
}

/** The EDIFACT message type (UNH 0065); UNA:+.? ' names the component and element separators, else EDIFACT's defaults. */
function edifactType(text: string): string | undefined {
  const una = text.startsWith('UNA');
  const component = literal(una ? (text[3] ?? ':') : ':');
  const element = literal(una ? (text[4] ?? '+') : '+');
  return new RegExp(`UNH${element}[^${element}]*${element}([A-Z0-9]{6})${component}`).exec(text)?.[1];
}

function edifact(text: string): string | undefined {
  // A file wrapped at a fixed width (80 characters a line) may break the UNH: its line breaks are not data.
  const type = edifactType(text) ?? edifactType(text.replace(/[\r\n]+/g, ''));
  return type ? EDIFACT_MESSAGES[type] : undefined;
}

// ORDERS05 and its predecessors ORDERS01 to ORDERS04, which its reader takes (sap-idoc-orders05/build.ts BASIC_TYPES),
// their elements bare or namespace-qualified (`<idoc:ORDERS05>`, `<idoc:IDOCTYP>`).
const IDOC = /<(?:[\w.-]+:)?ORDERS0[1-5][\s>]|<(?:[\w.-]+:)?IDOCTYP>\s*ORDERS0[1-5]\s*</;
const ORDERS_TYPE = /^ORDERS0[1-5]$/;
const IDOC_TYPE = /<(?:[\w.-]+:)?IDOCTYP>\s*([A-Z0-9_/]+)\s*</;

/**
 * An IDoc flat file's basic type: IDOCTYP, columns 40-69 of its first record, the control record EDI_DC40. A 3.x
 * control record (EDI_DC) of ORDERS05 is named too, for its reader to say why it does not read it.
 */
function flatIdocType(text: string): string | undefined {
  if (text.startsWith('EDI_DC40')) return text.slice(39, 69).trim();
  if (text.startsWith('EDI_DC')) return /^[^\r\n]*(ORDERS0[1-5])/.exec(text)?.[1];
  return undefined;
}

/**
 * The subscription types of a HubSpot webhook batch (Webhooks API v3: an array of events, each with eventId,
 * subscriptionId, portalId, objectId and subscriptionType, or eventType as HubSpot's documentation example names it),
 * or undefined when the JSON text is none.
 */
function webhookTypes(text: string): string[] | undefined {
  const keys = ['eventId', 'subscriptionId', 'portalId', 'objectId'];
  if (!keys.every((key) => new RegExp(`"${key}"\\s*:`).test(text))) return undefined;
  const types = [...text.matchAll(/"(?:subscriptionType|eventType)"\s*:\s*"([\w.-]+)"/g)].map((m) => m[1]!);
  return types.length === 0 ? undefined : [...new Set(types)];
}

/**
 * Whether a webhook batch holds a contact's event: a `contact.*` subscription, or a generic `object.*` one of object
 * type 0-1 (HubSpot's contacts, formats/hubspot-contact). Other objects' events of the batch its reader sets apart.
 */
function hasContactEvents(text: string, types: string[]): boolean {
  return hasObjectEvents(text, types, 'contact', '0-1');
}

/** As hasContactEvents, for companies (`company.*`, or `object.*` of object type 0-2: formats/hubspot-company). */
function hasCompanyEvents(text: string, types: string[]): boolean {
  return hasObjectEvents(text, types, 'company', '0-2');
}

function hasObjectEvents(text: string, types: string[], object: string, objectTypeId: string): boolean {
  return (
    types.some((type) => type.startsWith(`${object}.`)) ||
    (types.some((type) => type.startsWith('object.')) &&
      new RegExp(`"objectTypeId"\\s*:\\s*"${objectTypeId}"`).test(text))
  );
}

/** The first 64 KB as Latin-1 text, without a byte-order mark or leading white space. */
function head(bytes: Uint8Array): string {
  const start = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SNIFF_BYTES));
  // A UTF-16 document by its byte-order mark (SAP's XML port, a Windows tool's export): its characters, not every
  // other byte a NUL, so its envelope names its format as in UTF-8 (its reader decodes it, or names --encoding).
  const utf16 =
    start[0] === 0xff && start[1] === 0xfe ? 'le' : start[0] === 0xfe && start[1] === 0xff ? 'be' : '';
  if (utf16) {
    const units = Buffer.from(start.subarray(2, 2 + ((start.length - 2) & ~1)));
    if (utf16 === 'be') units.swap16();
    return units.toString('utf16le').trimStart();
  }
  return start
    .toString('latin1')
    .replace(/^\xEF\xBB\xBF/, '')
    .trimStart();
}

export function detectFormat(bytes: Uint8Array): string | undefined {
  const text = head(bytes);
  if (text.startsWith('ISA')) return x12(text) ?? x12(text.replace(/[\r\n]+/g, ''));
  if (text.startsWith('UNA') || text.startsWith('UNB')) return edifact(text);
  if (text.startsWith('EDI_DC'))
    return ORDERS_TYPE.test(flatIdocType(text) ?? '') ? 'sap-idoc-orders05' : undefined;
  if (text.startsWith('<')) {
    if (IDOC.test(text)) return 'sap-idoc-orders05';
    // EPCIS 1.x and 2.0 XML: the root element, whatever its namespace prefix.
    if (/<(?:[\w.-]+:)?EPCIS(?:Query)?Document[\s>]/.test(text)) return 'epcis-2';
    return IDOC_TYPE.test(text) ? undefined : 'xml';
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    // A document or a single event: both carry EPCIS 2's JSON-LD context.
    if (/"type"\s*:\s*"EPCIS(Query)?Document"|epcis-context\.jsonld/.test(text)) return 'epcis-2';
    if (/"ChangeEventHeader"\s*:/.test(text)) return 'salesforce-cdc';
    const types = webhookTypes(text);
    // A batch with a contact's event is the contact source's (which sets a company's apart, or maps it when told to).
    if (types && hasContactEvents(text, types)) return 'hubspot-contact';
    if (types && hasCompanyEvents(text, types)) return 'hubspot-company';
  }
  return undefined;
}

/**
 * The format of the hub that reads a document of this type (X12 ST01 850 / 856, EDIFACT UNH 0065 ORDERS / DESADV), as
 * a reader refusing it names it (ForeignDocumentError.documentType); undefined when the hub reads none. An interchange
 * of orders and ship notices holds documents of two formats, each read by its own reader: `eai map` maps each with
 * the one the other's refusal names, wherever in the file it stands (the head `detectFormat` reads is only the first
 * 64 KB, and a second scan of a large file would read it all once more).
 */
export function formatReading(documentType: {
  standard: 'x12' | 'edifact';
  type: string;
}): string | undefined {
  const formats = documentType.standard === 'x12' ? X12_SETS : EDIFACT_MESSAGES;
  return Object.hasOwn(formats, documentType.type) ? formats[documentType.type] : undefined;
}

/**
 * What an envelope names that no reader of the hub takes (an X12 810, an EDIFACT INVOIC, an IDoc of another basic
 * type), with the ones of its standard the hub does read; undefined when it names nothing or something read.
 */
export function unreadDocument(bytes: Uint8Array): string | undefined {
  const text = head(bytes);
  const read = (standard: string, kinds: Record<string, string>) =>
    `the hub reads ${standard} ${Object.entries(kinds)
      .map(([kind, format]) => `${kind} (${format})`)
      .join(' and ')}`;
  if (text.startsWith('ISA') && !x12(text)) {
    const { group, set } = x12Names(text);
    if (set) return `an X12 ${set} transaction set; ${read('X12', X12_SETS)}`;
    if (group) return `an X12 functional group ${group}; ${read('X12', X12_SETS)}`;
  }
  if ((text.startsWith('UNA') || text.startsWith('UNB')) && !edifact(text)) {
    const type = edifactType(text);
    if (type) return `an EDIFACT ${type} message; ${read('EDIFACT', EDIFACT_MESSAGES)}`;
  }
  // A set or message without its interchange (ISA, UNB): it names its type, but no reader takes it without the
  // envelope that names its sender.
  const set = /^ST([^A-Za-z0-9\s])(\d{3})\1/.exec(text)?.[2];
  if (set) return `an X12 ${set} ${BARE_X12.replace(/^this is a /, '')}`;
  if (/^UNH[^A-Za-z0-9\s]/.test(text)) {
    const type = edifactType(text);
    if (type) return `an EDIFACT ${type} ${BARE_EDIFACT.replace(/^this is a /, '')}`;
  }
  const flat = flatIdocType(text);
  if (flat && !ORDERS_TYPE.test(flat))
    return `a SAP IDoc (flat file) of basic type ${flat}; the hub reads ORDERS05 (sap-idoc-orders05)`;
  const types = text.startsWith('[') || text.startsWith('{') ? webhookTypes(text) : undefined;
  if (types && !hasContactEvents(text, types) && !hasCompanyEvents(text, types))
    return `a HubSpot webhook batch of ${types.join(', ')} events, none a contact's or a company's: the hub maps HubSpot contact and company subscriptions (--format hubspot-contact or hubspot-company reads such a batch, setting other objects' events apart unmapped)`;
  if (text.startsWith('<') && !IDOC.test(text)) {
    const type = IDOC_TYPE.exec(text)?.[1];
    if (type) return `a SAP IDoc of basic type ${type}; the hub reads ORDERS05 (sap-idoc-orders05)`;
  }
  return undefined;
}
