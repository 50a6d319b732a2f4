import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FormatError } from '../types.ts';
import { decodeCharset, lineColumn, refuseOversized } from './decode.ts';

/**
 * An XML document read safely for the XML formats (SAP IDoc, EPCIS): no DTD (so no entity expansion), nesting
 * bounded, every character and entity reference checked with its line and column, the declared character set
 * honoured; then a plain element tree. Each element has its name as written (with its namespace prefix), its
 * attributes (`xmlns` ones included), its child elements in order and its text (references decoded, CDATA as
 * written, trimmed); `loc` is its path, `/ROOT/CHILD[2]/LEAF[1]`, counted per name.
 */
export interface XmlElement {
  name: string;
  loc: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
  /**
   * `whole` mode only, and only when trimming changed it: the text with the white space at its ends as written
   * (SAPscript text lines whose continuation joins them without a blank need their trailing space).
   */
  untrimmed?: string;
}

/** The name without its namespace prefix (`epcis:EPCISDocument` → `EPCISDocument`). */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

type OrderedNode = { [name: string]: OrderedNode[] | string | Record<string, string> | undefined };

/**
 * How deep elements may nest. An ORDERS05 IDoc nests six levels (ORDERS05/IDOC/E1EDP01/E1EDP19…), an EPCIS 1.2
 * document about eight; 10,000 nested tags are refused at the tag that goes too deep, with its line, column and
 * path, before the parser or the tree walk recurse into them.
 */
export const MAX_XML_DEPTH = 64;

const options = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Entities are never expanded by the parser (a DTD's internal entities could rewrite any field, or multiply
  // into billions of characters): references are checked and decoded here, see decodeReferences.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  // checkDepth refuses deeper documents first, with their place.
  maxNestedTags: MAX_XML_DEPTH + 1,
} as const;

const parser = new XMLParser({ ...options, trimValues: true });

/**
 * Names the parser guards its own objects against: it refuses `__proto__`, `constructor` and `prototype` and renames
 * `toString`, `valueOf`, `hasOwnProperty`… (`__toString`). The whole-text parser keeps every name as written: these
 * three pass it escaped and are unescaped below, and the tree readers never assign a name as a plain property.
 */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const ESCAPE = '\u0001';
const escapeName = (name: string) => (RESERVED_NAMES.has(name) ? ESCAPE + name : name);
const unescapeName = (name: string) => (name.startsWith(ESCAPE) ? name.slice(1) : name);

/**
 * Text nodes as written (white space kept), for readers that need an element's whole text: the pieces of mixed
 * content and the white space between text and CDATA (`Price: <![CDATA[<5>]]>`), which trimming each piece loses.
 */
const wholeTextParser = new XMLParser({
  ...options,
  trimValues: false,
  transformTagName: escapeName,
  transformAttributeName: escapeName,
  onDangerousProperty: (name: string) => name,
});

export interface ReadXmlOptions {
  /**
   * `pieces` (default): each text piece and attribute value trimmed, then joined (SAP IDoc, EPCIS); `whole`: the
   * element's text pieces joined as written, then trimmed at both ends, each attribute value trimmed, and every
   * element and attribute name kept as written (`__proto__` and `toString` too).
   */
  text?: 'pieces' | 'whole';
}

export function readXmlElement(
  format: string,
  input: Buffer,
  { text: textMode = 'pieces' }: ReadXmlOptions = {},
): XmlElement {
  const text = withoutBareDoctype(decodeXmlText(format, input));
  // Business documents never need a DTD: one anywhere in the document (even after a long comment) is refused, which
  // rules out entity expansion attacks and entities that redefine field values.
  const doctype = text.search(/<!DOCTYPE/i);
  if (doctype !== -1) {
    const at = lineColumn(text, doctype);
    throw new FormatError(
      format,
      `line ${at.line}, column ${at.column}`,
      'DOCTYPE declarations are not accepted',
    );
  }
  if (text.trim() === '')
    throw new FormatError(format, 'line 1, column 1', 'empty document: no root element');
  checkDepth(format, text);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    // The validator leaves the column out for some errors (an empty document): the line alone is still a place.
    throw new FormatError(
      format,
      `line ${valid.err.line ?? 1}${valid.err.col === undefined ? '' : `, column ${valid.err.col}`}`,
      `malformed XML: ${valid.err.msg}`,
    );
  }
  checkReferences(format, text);
  let nodes: OrderedNode[];
  try {
    nodes = (textMode === 'whole' ? wholeTextParser : parser).parse(text) as OrderedNode[];
  } catch (error) {
    // Checked above (DOCTYPE, depth, well-formedness); whatever the parser still refuses is named, never raw.
    throw new FormatError(format, 'line 1, column 1', `XML not read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const root = nodes.find((n) => elementName(n) !== undefined);
  const rootKey = root ? elementName(root) : undefined;
  if (!root || !rootKey) throw new FormatError(format, 'line 1, column 1', 'no root element');
  return toElement(root, rootKey, `/${unescapeName(rootKey)}`, textMode === 'whole');
}

/**
 * `<!DOCTYPE name>` alone in the prolog, with neither an internal subset nor an external id, declares nothing (no
 * entity, no DTD to fetch); editors write it, and GS1's own EPCIS XML examples carry `<!DOCTYPE project>`. It is
 * blanked (its line breaks kept, so every later place stays where it was); any other DOCTYPE is still refused.
 */
function withoutBareDoctype(text: string): string {
  const at = text.search(/<!DOCTYPE/i);
  if (at === -1) return text;
  const bare = /^<!DOCTYPE\s+[A-Za-z_][\w:.-]*\s*>/i.exec(text.slice(at, at + 1100));
  if (!bare) return text;
  const prolog = text.slice(0, at).replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, '');
  if (!/^\uFEFF?\s*$/.test(prolog)) return text;
  const end = at + bare[0].length;
  return text.slice(0, at) + text.slice(at, end).replace(/[^\r\n]/g, ' ') + text.slice(end);
}

/**
 * One forward pass over the tags (comments, CDATA and processing instructions skipped). It stops where a tag does
 * not end: the document is malformed and the validator says where. Every search starts where the last one ended,
 * so the pass is linear even in a document of `<a` without a single `>` (a regex per tag was quadratic there).
 */
function checkDepth(format: string, text: string): void {
  const open: string[] = [];
  let at = text.indexOf('<');
  while (at !== -1) {
    let end: number;
    if (text.startsWith('<!--', at)) end = text.indexOf('-->', at + 4) + 2;
    else if (text.startsWith('<![CDATA[', at)) end = text.indexOf(']]>', at + 9) + 2;
    else if (text.startsWith('<?', at)) end = text.indexOf('?>', at + 2) + 1;
    else {
      end = tagEnd(text, at + 1);
      if (end === -1) return;
      if (text.charCodeAt(at + 1) === 47) open.pop();
      else if (text.charCodeAt(at + 1) !== 33 && text.charCodeAt(end - 1) !== 47) {
        open.push(/^[^\s/>]*/.exec(text.slice(at + 1, Math.min(end, at + 200)))![0]);
        if (open.length > MAX_XML_DEPTH) {
          const where = lineColumn(text, at);
          const path = `/${open.slice(0, 8).join('/')}${open.length > 8 ? '/…' : ''}`;
          throw new FormatError(
            format,
            `line ${where.line}, column ${where.column}`,
            `elements nested deeper than ${MAX_XML_DEPTH} levels (${path})`,
          );
        }
      }
    }
    if (end < at) return;
    at = text.indexOf('<', end + 1);
  }
}

/** The index of the `>` that closes the tag whose name starts at `from` (quoted attribute values may hold `>`). */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return i;
  }
  return -1;
}

/**
 * The text in the encoding the file declares: a UTF-16 byte-order mark (SAP's XML port can write UTF-16), else the
 * XML declaration's `encoding` (ISO-8859-1, windows-1252, …), else UTF-8 (XML 1.0 §4.3.3).
 */
function decodeXmlText(format: string, input: Buffer): string {
  // fast-xml-parser reads 3 to 6 MB/s: the one document limit keeps any input under the 10 s budget.
  refuseOversized(format, input);
  if (input[0] === 0xff && input[1] === 0xfe) return decodeCharset(format, input, 'utf-16le');
  if (input[0] === 0xfe && input[1] === 0xff) return decodeCharset(format, input, 'utf-16be');
  const head = input.subarray(0, 200).toString('latin1');
  const declared = /^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1];
  return decodeCharset(format, input, declared);
}

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '#cdata');
}

function textOf(children: OrderedNode[]): string {
  let text = '';
  for (const c of children) {
    if (typeof c['#text'] === 'string') text += decodeReferences(c['#text']);
    else if (Array.isArray(c['#cdata'])) text += cdataOf(c['#cdata']);
  }
  return text;
}

/** CDATA content is taken as written: no references are decoded inside it. */
function cdataOf(children: OrderedNode[]): string {
  return children.map((c) => (typeof c['#text'] === 'string' ? c['#text'] : '')).join('');
}

/** The five predefined XML entities; a DTD is refused, so no other name can be declared. */
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const REFERENCE = /&(?:#x([0-9a-fA-F]{1,8})|#([0-9]{1,10})|([A-Za-z_:][\w.:-]*));/y;
const MARKUP_WITHOUT_REFERENCES = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g;

/** A character XML 1.0 allows (production [2] Char): no NUL, no other C0 control but tab/LF/CR, no surrogate. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** What the reference at `at` stands for, or why it is not a reference XML allows. */
function readReference(text: string, at: number): { value: string; length: number } | { problem: string } {
  REFERENCE.lastIndex = at;
  const found = REFERENCE.exec(text);
  if (!found) {
    const shown = text.slice(at, at + 12).split(/[\s<]/)[0];
    return { problem: `"${shown}" is not a character or entity reference (write & as &amp;)` };
  }
  const [whole, hex, dec, name] = found;
  if (name !== undefined) {
    const value = PREDEFINED[name];
    if (value === undefined)
      return { problem: `undeclared entity ${whole} (only &amp; &lt; &gt; &quot; &apos;)` };
    return { value, length: whole.length };
  }
  const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
  if (!isXmlChar(code)) return { problem: `character reference ${whole} names no XML character` };
  return { value: String.fromCodePoint(code), length: whole.length };
}

/**
 * Checks every reference in text and attribute values before parsing, so a bad one is refused with its line and
 * column (comments, CDATA sections and processing instructions hold none).
 */
function checkReferences(format: string, text: string): void {
  const skipped: Array<[number, number]> = [];
  for (const m of text.matchAll(MARKUP_WITHOUT_REFERENCES)) skipped.push([m.index, m.index + m[0].length]);
  let next = 0;
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) {
    while (next < skipped.length && skipped[next]![1] <= at) next++;
    const range = skipped[next];
    if (range && range[0] <= at) {
      at = range[1] - 1;
      continue;
    }
    const read = readReference(text, at);
    if ('problem' in read) {
      const where = lineColumn(text, at);
      throw new FormatError(format, `line ${where.line}, column ${where.column}`, read.problem);
    }
  }
}

/** Decodes the references of one text or attribute value (checked by checkReferences before). */
function decodeReferences(raw: string): string {
  if (!raw.includes('&')) return raw;
  let out = '';
  let from = 0;
  for (let at = raw.indexOf('&'); at !== -1; at = raw.indexOf('&', from)) {
    const read = readReference(raw, at);
    if ('problem' in read) throw new Error(`unchecked reference: ${read.problem}`);
    out += raw.slice(from, at) + read.value;
    from = at + read.length;
  }
  return out + raw.slice(from);
}

/**
 * `key`: the element's name as the parser wrote it (escaped when reserved). `trim`: attribute values as written by
 * the parser that keeps white space, trimmed as the other one trims them.
 */
function toElement(node: OrderedNode, key: string, loc: string, trim = false): XmlElement {
  const children = (node[key] as OrderedNode[] | undefined) ?? [];
  const attrs = node[':@'];
  const attributes: Record<string, string> = {};
  if (attrs && typeof attrs === 'object' && !Array.isArray(attrs))
    for (const [raw, value] of Object.entries(attrs))
      if (typeof value === 'string')
        // defineProperty: an attribute named __proto__ is a value like any other, never the object's prototype.
        Object.defineProperty(attributes, unescapeName(raw), {
          value: decodeReferences(trim ? value.trim() : value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
  const name = unescapeName(key);
  const written = textOf(children);
  const text = written.trim();
  const element: XmlElement = { name, loc, attributes, children: [], text };
  // Only for leaves: the white space between child elements is layout, not text.
  if (trim && text !== written && !children.some((c) => elementName(c) !== undefined))
    element.untrimmed = written;
  const seen = new Map<string, number>();
  for (const child of children) {
    const childKey = elementName(child);
    if (childKey === undefined) continue;
    const childName = unescapeName(childKey);
    const n = (seen.get(childName) ?? 0) + 1;
    seen.set(childName, n);
    element.children.push(toElement(child, childKey, `${loc}/${childName}[${n}]`, trim));
  }
  return element;
}
