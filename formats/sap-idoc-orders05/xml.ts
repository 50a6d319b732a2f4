import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeUtf8, lineColumn, refuseOversized } from '../text-input/decode.ts';
import { FormatError } from '../types.ts';

/** An XML element read as an IDoc segment: its leaf children are fields, the others segments. */
export interface XmlSegment {
  name: string;
  loc: string;
  fields: Record<string, string>;
  children: XmlSegment[];
}

type OrderedNode = { [name: string]: OrderedNode[] | string | Record<string, string> | undefined };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
});

export function readXml(format: string, input: Buffer): XmlSegment {
  const text = decodeXmlText(format, input);
  if (/<!DOCTYPE/i.test(text.slice(0, 4096))) {
    // IDocs never declare a DTD, and refusing one rules out entity expansion attacks.
    const at = lineColumn(text, text.search(/<!DOCTYPE/i));
    throw new FormatError(
      format,
      `line ${at.line}, column ${at.column}`,
      'DOCTYPE declarations are not accepted',
    );
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new FormatError(
      format,
      `line ${valid.err.line}, column ${valid.err.col}`,
      `malformed XML: ${valid.err.msg}`,
    );
  }
  const nodes = parser.parse(text) as OrderedNode[];
  const root = nodes.find((n) => elementName(n) !== undefined);
  const rootName = root ? elementName(root) : undefined;
  if (!root || !rootName) throw new FormatError(format, 'line 1, column 1', 'no root element');
  return toSegment(root, rootName, `/${rootName}`);
}

function decodeXmlText(format: string, input: Buffer): string {
  const head = input.subarray(0, 200).toString('latin1');
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]?.toLowerCase();
  // fast-xml-parser reads 3 to 6 MB/s: the one document limit keeps any input under the 10 s budget.
  refuseOversized(format, input);
  if (declared === 'iso-8859-1' || declared === 'latin1') return input.toString('latin1');
  return decodeUtf8(format, input);
}

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

function textOf(children: OrderedNode[]): string {
  return children
    .map((c) => (typeof c['#text'] === 'string' ? c['#text'] : ''))
    .join('')
    .trim();
}

function isSegment(name: string, node: OrderedNode, children: OrderedNode[]): boolean {
  if (children.some((c) => elementName(c) !== undefined)) return true;
  const attrs = node[':@'];
  if (attrs && typeof attrs === 'object' && 'SEGMENT' in attrs) return true;
  return /^(E1|E2|Z1|Z2|EDI_DC)/.test(name);
}

function toSegment(node: OrderedNode, name: string, loc: string): XmlSegment {
  const segment: XmlSegment = { name, loc, fields: {}, children: [] };
  const children = (node[name] as OrderedNode[] | undefined) ?? [];
  const seen = new Map<string, number>();
  for (const child of children) {
    const childName = elementName(child);
    if (childName === undefined) continue;
    const grandChildren = (child[childName] as OrderedNode[] | undefined) ?? [];
    if (isSegment(childName, child, grandChildren)) {
      const n = (seen.get(childName) ?? 0) + 1;
      seen.set(childName, n);
      segment.children.push(toSegment(child, childName, `${loc}/${childName}[${n}]`));
    } else if (!(childName in segment.fields)) {
      segment.fields[childName] = textOf(grandChildren);
    }
  }
  return segment;
}
