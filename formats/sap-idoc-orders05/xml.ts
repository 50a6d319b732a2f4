import { localName, readXmlElement, type XmlElement } from '../text-input/xml.ts';

/** An XML element read as an IDoc segment: its leaf children are fields, the others segments. */
export interface XmlSegment {
  name: string;
  loc: string;
  fields: Record<string, string>;
  /** A field's value as sent where trimming changed it (TDLINE's trailing blank before a `=` continuation). */
  untrimmed?: Record<string, string>;
  /** Where each field stands when `loc` does not lead to it (a flat file's `…/MENGE (line 12, column 94)`). */
  fieldLocs?: Record<string, string>;
  children: XmlSegment[];
}

/** Where a segment's field stands, for an error about it: its own location, else the segment's path and its name. */
export function fieldLoc(segment: XmlSegment, name: string): string {
  return segment.fieldLocs?.[name] ?? `${segment.loc}/${name}`;
}

export function readXml(format: string, input: Buffer): XmlSegment {
  // Whole text: each field's text as one piece, trimmed, with its white space as sent kept beside it.
  return toSegment(readXmlElement(format, input, { text: 'whole' }));
}

function isSegment(element: XmlElement, name: string): boolean {
  if (element.children.length > 0) return true;
  if ('SEGMENT' in element.attributes) return true;
  return /^(E1|E2|Z1|Z2|EDI_DC)/.test(name);
}

/**
 * An IDoc's segment or field by its SAP name: an IDoc whose elements carry a namespace prefix (`<idoc:E1EDK01>`, as
 * some middleware writes the elements of the IDoc XML schema) is the same IDoc. Other elements (a SOAP envelope's
 * `<s:Body>`) keep their names as written.
 */
function sapName(name: string): string {
  const local = localName(name);
  return /^[A-Z][A-Z0-9_-]*$/.test(local) ? local : name;
}

/** Segments are numbered among their own kind (`E1EDP01[2]`); the first of a field's repeats is its value. */
function toSegment(element: XmlElement, loc = element.loc): XmlSegment {
  const segment: XmlSegment = { name: sapName(element.name), loc, fields: {}, children: [] };
  const seen = new Map<string, number>();
  for (const child of element.children) {
    const childName = sapName(child.name);
    if (isSegment(child, childName)) {
      const n = (seen.get(childName) ?? 0) + 1;
      seen.set(childName, n);
      segment.children.push(toSegment(child, `${loc}/${child.name}[${n}]`));
    } else if (!(childName in segment.fields)) {
      // `in` also skips names an object already has (__proto__, constructor): no SAP field is called so.
      segment.fields[childName] = child.text;
      if (child.untrimmed !== undefined)
        segment.untrimmed = { ...segment.untrimmed, [childName]: child.untrimmed };
    }
  }
  return segment;
}
