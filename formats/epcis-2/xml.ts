import { JsonDecimal } from '../text-input/json-number.ts';
import type { JsonObject } from '../text-input/pointer.ts';
import { localName, readXmlElement, type XmlElement } from '../text-input/xml.ts';
import { FormatError } from '../types.ts';
import { FORMAT } from './event.ts';
import { expandedName, xmlPrefixes } from './namespaces.ts';

/**
 * An EPCIS XML document (EPCIS 2.0 XML binding, and EPCIS 1.2 / 1.1, which most partners still send) as the JSON
 * binding's fields, so one reader checks both: element names are the JSON keys (`eventTime`, `bizStep`, `parentID`,
 * `epcList`…), lists of `<epc>` become arrays of strings, `<quantityElement>`s `{epcClass, quantity, uom}`, a
 * `<bizTransaction type="…">` `{type, bizTransaction}`, a `<source>` / `<destination>`
 * `{type, source | destination}`.
 * EPCIS 1.x wrappers are unwrapped: `baseExtension` (eventID, errorDeclaration), an event's `extension`
 * (quantityList, sourceList, destinationList, ilmd…) and the event list's `extension` (TransformationEvent). Each
 * event keeps its element path as its location (`/epcis:EPCISDocument/EPCISBody[1]/EventList[1]/ObjectEvent[2]`),
 * so an error names the element. Other elements (ilmd, sensorElementList, a partner's namespaced fields) are kept
 * as objects of their children, with their names as written.
 */
export interface EpcisXml {
  type: 'EPCISDocument' | 'EPCISQueryDocument';
  schemaVersion?: string;
  creationDate?: string;
  /** The SBDH's InstanceIdentifier, when the header has one. */
  instanceIdentifier?: string;
  /** The SBDH's first Sender Identifier, when the header has one. */
  sender?: string;
  events: Array<[JsonObject, string]>;
}

const child = (element: XmlElement | undefined, name: string) =>
  element?.children.find((c) => localName(c.name) === name);

const childText = (element: XmlElement | undefined, name: string) => child(element, name)?.text;

export function readEpcisXml(input: Buffer): EpcisXml {
  const root = readXmlElement(FORMAT, input);
  const type = localName(root.name);
  if (type !== 'EPCISDocument' && type !== 'EPCISQueryDocument')
    throw new FormatError(
      FORMAT,
      root.loc,
      `not an EPCIS XML document: the root element is <${root.name}>, not EPCISDocument or EPCISQueryDocument`,
    );
  const body = child(root, 'EPCISBody');
  if (!body) throw new FormatError(FORMAT, root.loc, `${type} without EPCISBody`);
  const list =
    type === 'EPCISDocument'
      ? child(body, 'EventList')
      : child(child(child(body, 'QueryResults'), 'resultsBody'), 'EventList');
  if (!list)
    throw new FormatError(
      FORMAT,
      body.loc,
      type === 'EPCISDocument'
        ? 'EPCISBody without EventList'
        : 'query document without QueryResults/resultsBody/EventList',
    );
  const header = child(child(root, 'EPCISHeader'), 'StandardBusinessDocumentHeader');
  const sender = childText(child(header, 'Sender'), 'Identifier');
  const instanceIdentifier = childText(child(header, 'DocumentIdentification'), 'InstanceIdentifier');
  const events: Array<[JsonObject, string]> = [];
  const outer = declarations({}, root, body, list);
  for (const element of list.children) {
    // EPCIS 1.x puts the event types it added (TransformationEvent) in the list's extension.
    const members = localName(element.name) === 'extension' ? element.children : [element];
    const scope = declarations(outer, element);
    for (const event of members) events.push([eventObject(event, declarations(scope, event)), event.loc]);
  }
  return {
    type,
    ...(root.attributes.schemaVersion ? { schemaVersion: root.attributes.schemaVersion } : {}),
    ...(root.attributes.creationDate ? { creationDate: root.attributes.creationDate } : {}),
    ...(instanceIdentifier ? { instanceIdentifier } : {}),
    ...(sender ? { sender } : {}),
    events,
  };
}

/** Wrappers whose children are the event's own fields in EPCIS 1.x. */
const WRAPPERS = new Set(['baseExtension', 'extension']);

/** The namespace prefixes in scope: those of `outer`, then each element's own xmlns:… declarations. */
function declarations(outer: Record<string, string>, ...elements: XmlElement[]): Record<string, string> {
  const scope = { ...outer };
  for (const element of elements)
    for (const [key, uri] of Object.entries(element.attributes))
      if (key.startsWith('xmlns:')) scope[key.slice(6)] = uri;
  return scope;
}

/**
 * The EPCIS schemas declare an event's fields unqualified (`<eventTime>`, no namespace). A field in EPCIS's own
 * namespace (`<epcis:eventTime>` with epcis bound to urn:epcglobal:epcis:xsd:2) is not one: read by its written name
 * it would be a partner's extension, and the event refused as `missing eventTime` while it has one, or its bizStep
 * silently not read. It is refused at the field, saying to write it without the prefix.
 */
function refuseQualifiedField(field: XmlElement, scope: Record<string, string>): void {
  const colon = field.name.indexOf(':');
  if (colon < 0) return;
  const uri = scope[field.name.slice(0, colon)];
  if (uri?.startsWith('urn:epcglobal:epcis:xsd:'))
    throw new FormatError(
      FORMAT,
      field.loc,
      `<${field.name}> is in EPCIS's namespace ${uri}, but an event's fields have none (the EPCIS schema declares them unqualified): write <${field.name.slice(colon + 1)}>`,
    );
}

function eventObject(element: XmlElement, scope: Record<string, string>): JsonObject {
  const event: JsonObject = { type: localName(element.name) };
  addFields(event, element.children, scope);
  return event;
}

function addFields(event: JsonObject, fields: XmlElement[], outer: Record<string, string>): void {
  for (const field of fields) {
    const name = field.name;
    const scope = declarations(outer, field);
    refuseQualifiedField(field, scope);
    if (WRAPPERS.has(name)) {
      addFields(event, field.children, scope);
      continue;
    }
    switch (name) {
      case 'epcList':
      case 'childEPCs':
        event[name] = field.children.filter((c) => localName(c.name) === 'epc').map((c) => c.text);
        break;
      case 'quantityList':
      case 'childQuantityList':
        event[name] = field.children.map(quantityElement);
        break;
      case 'readPoint':
      case 'bizLocation': {
        // Its id, and a partner's extension fields beside it, as the JSON binding has them (expanded names).
        const location: JsonObject = child(field, 'id') ? { id: childText(field, 'id') } : {};
        for (const c of field.children)
          if (localName(c.name) !== 'id' || c.name.includes(':')) {
            const inner = declarations(scope, c);
            location[expandedName(c.name, xmlPrefixes(inner))] = plain(c, inner);
          }
        event[name] = location;
        break;
      }
      case 'bizTransactionList':
        event[name] = field.children.map((t) => ({
          ...(t.attributes.type === undefined ? {} : { type: t.attributes.type }),
          bizTransaction: t.text,
        }));
        break;
      case 'sourceList':
      case 'destinationList': {
        const key = name === 'sourceList' ? 'source' : 'destination';
        event[name] = field.children.map((p) => ({
          ...(p.attributes.type === undefined ? {} : { type: p.attributes.type }),
          [key]: p.text,
        }));
        break;
      }
      default: {
        // A repeated field stays a list; a leaf is its text. A partner's field by its namespace URI and local name
        // (`<example:myField>` → http://ns.example.com/epcis/myField: namespaces.ts), as the JSON binding names it.
        const key = expandedName(name, xmlPrefixes(scope));
        if (key in event) {
          const known = event[key];
          event[key] = [...(Array.isArray(known) ? known : [known]), plain(field, scope)];
        } else event[key] = plain(field, scope);
      }
    }
  }
}

/** A quantity's text as the JSON binding's number would come: digits kept exactly, anything else left to refuse. */
function quantityElement(element: XmlElement): JsonObject {
  const quantity = childText(element, 'quantity');
  const uom = childText(element, 'uom');
  return {
    ...(child(element, 'epcClass') ? { epcClass: childText(element, 'epcClass') } : {}),
    ...(quantity === undefined
      ? {}
      : { quantity: /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(quantity) ? new JsonDecimal(quantity) : quantity }),
    ...(uom === undefined ? {} : { uom }),
  };
}

/**
 * An element kept as it came: its text when it has no children, else its attributes and children by name, a prefixed
 * child's by its expanded name (`scope`: the prefixes in scope at `element`, its own declarations included).
 */
function plain(element: XmlElement, scope: Record<string, string>): unknown {
  if (element.children.length === 0 && Object.keys(element.attributes).length === 0) return element.text;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(element.attributes))
    if (key !== 'xmlns' && !key.startsWith('xmlns:')) out[`@${key}`] = value;
  for (const c of element.children) {
    const inner = declarations(scope, c);
    const value = plain(c, inner);
    const key = expandedName(c.name, xmlPrefixes(inner));
    const known = out[key];
    out[key] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  }
  if (element.children.length === 0 && element.text !== '') out['#text'] = element.text;
  return out;
}
