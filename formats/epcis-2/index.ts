import { contentId, decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';
import { FORMAT, MAPPED_EVENT_TYPES, readEvent, timestamp } from './event.ts';
import { contextPrefixes } from './namespaces.ts';
import type { EpcisTree } from './tree.ts';
import { readEpcisXml } from './xml.ts';

export type * from './tree.ts';

/** Where the event list sits: EPCISDocument body, or a query document's results body. */
function eventListOf(root: JsonObject): { list: unknown; loc: string; type: EpcisTree['documentType'] } {
  const body = root.epcisBody;
  if (root.type === 'EPCISDocument') {
    if (!isObject(body)) throw new FormatError(FORMAT, '/epcisBody', 'EPCISDocument without epcisBody');
    return { list: body.eventList, loc: '/epcisBody/eventList', type: 'EPCISDocument' };
  }
  if (root.type === 'EPCISQueryDocument') {
    const results = isObject(body) && isObject(body.queryResults) ? body.queryResults.resultsBody : undefined;
    if (!isObject(results))
      throw new FormatError(
        FORMAT,
        '/epcisBody/queryResults/resultsBody',
        'query document without resultsBody',
      );
    return {
      list: results.eventList,
      loc: '/epcisBody/queryResults/resultsBody/eventList',
      type: 'EPCISQueryDocument',
    };
  }
  if (typeof root.type === 'string' && root.type.endsWith('Event'))
    return { list: [root], loc: '', type: 'event' };
  throw new FormatError(
    FORMAT,
    '/type',
    root.type === undefined
      ? 'not an EPCIS document or event: no type'
      : `not an EPCIS document or event: type ${JSON.stringify(root.type)}`,
  );
}

/** XML (EPCIS 1.x and 2.0's XML binding) when the first thing after a byte-order mark and white space is a tag. */
function isXml(input: Buffer): boolean {
  if ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff)) return true;
  let at = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
  while (
    at < input.length &&
    (input[at] === 0x20 || input[at] === 0x09 || input[at] === 0x0a || input[at] === 0x0d)
  )
    at++;
  return input[at] === 0x3c;
}

/** The document's fields and its events with their locations, from either binding. */
function readBinding(input: Buffer): {
  root: JsonObject;
  type: EpcisTree['documentType'];
  events: Array<[unknown, string]>;
} {
  if (isXml(input)) {
    const { events, ...root } = readEpcisXml(input);
    return { root, type: root.type, events };
  }
  const root = parseJson(FORMAT, decodeUtf8(FORMAT, input));
  if (!isObject(root)) throw new FormatError(FORMAT, '', 'an EPCIS document is a JSON object');
  const { list, loc, type } = eventListOf(root);
  if (!Array.isArray(list)) throw new FormatError(FORMAT, loc, 'eventList must be an array');
  return { root, type, events: type === 'event' ? [[root, '']] : list.map((e, i) => [e, ptr(loc, i)]) };
}

export function parseEpcis(input: Buffer): ParsedDocument<EpcisTree>[] {
  const { root, type, events: read } = readBinding(input);
  // A bare event's @context is its own (readEvent reads it); a document's declares the prefixes of all its events.
  const prefixes = type === 'event' ? {} : contextPrefixes(root['@context']);
  const events = read.map(([event, loc]) => readEvent(event, loc, prefixes));
  // A document that holds events, none of a type the hub maps, would map to nothing without a word: refused, at the
  // first event's type, so the partner learns what was not understood.
  const first = events[0];
  if (first && !events.some((e) => e.mapped)) {
    const types = [...new Set(events.map((e) => e.type))].join(', ');
    throw new FormatError(
      FORMAT,
      ptr(first.$loc, 'type'),
      `no event the hub maps: ${events.length === 1 ? 'the event is' : `all ${events.length} events are`} ${types}; ` +
        `only ${[...MAPPED_EVENT_TYPES].join(', ')} become canonical records`,
    );
  }
  const tree: EpcisTree = {
    $loc: '',
    documentType: type,
    schemaVersion: typeof root.schemaVersion === 'string' ? root.schemaVersion : null,
    // When the document was made (UTC), refused like eventTime when it is not a date-time with a zone.
    creationDate:
      root.creationDate === undefined || root.creationDate === null
        ? null
        : timestamp(root.creationDate, '/creationDate'),
    events,
  };
  const id =
    typeof root.instanceIdentifier === 'string'
      ? root.instanceIdentifier
      : (events.length === 1 && events[0]?.eventId) || contentId(input);
  const source =
    typeof root.sender === 'string'
      ? root.sender
      : (events[0]?.readPoint?.id.uri ?? events[0]?.bizLocation?.id.uri ?? 'epcis');
  return [{ format: FORMAT, kind: type === 'event' ? (events[0]?.type ?? 'event') : type, id, source, tree }];
}

export const reader: FormatReader<EpcisTree> = {
  name: FORMAT,
  family: 'scm',
  description:
    'GS1 EPCIS 2.0 JSON-LD document, query document or single event, or an EPCIS 2.0 / 1.2 XML document (Object / Aggregation / Transaction events)',
  parse: parseEpcis,
};
