import { createHash } from 'node:crypto';
import { localName, readXmlElement } from '../text-input/xml.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';
import { isEmptyElement, treeOf, type XmlTree } from './tree.ts';

export type { XmlNode, XmlTree } from './tree.ts';

export const XML_FORMAT = 'xml';

/**
 * Any XML document (a UBL Order or Invoice, a cXML OrderRequest, an openTRANS order, a system's own export): one
 * document per input, read by the shared safe XML reader (text-input/xml.ts: no DTD, no entity but the five
 * predefined ones, nesting at most 64 levels, 8 MiB, the declared character set) and turned into a tree by the
 * rules of tree.ts (README.md).
 */
export function readXmlDocument(input: Buffer): ParsedDocument<XmlTree> {
  const root = readXmlElement(XML_FORMAT, input, { text: 'whole' });
  if (isEmptyElement(root))
    throw new FormatError(XML_FORMAT, root.loc, `the root element <${root.name}> is empty: nothing to map`);
  // The content names the document: a redelivery of the same bytes keeps its id.
  const id = createHash('sha256').update(input).digest('hex').slice(0, 16);
  return { format: XML_FORMAT, kind: localName(root.name), id, source: XML_FORMAT, tree: treeOf(root) };
}

export const reader: FormatReader<XmlTree> = {
  name: XML_FORMAT,
  family: 'any',
  declaresCharset: 'its XML declaration (encoding="…"; UTF-8 when absent)',
  description:
    'Any XML document (UBL, cXML, openTRANS, a system export): one per input, elements by local name, attributes as @name',
  parse: (input) => [readXmlDocument(input)],
};
