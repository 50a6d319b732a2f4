import { localName, type XmlElement } from '../text-input/xml.ts';

/**
 * An XML element that has child elements, as mappings read it: its children by local name, its attributes as
 * `@name`, its own text (mixed content) as `#text`, and `$loc`, its path in the document
 * (`/Order/cac:OrderLine[2]/cac:LineItem[1]`, names as written, counted per name), which mapping errors quote.
 */
export interface XmlNode {
  $loc: string;
  [name: string]: unknown;
}

/** The tree of one document: the root element under its local name, `$loc` `/`. */
export type XmlTree = XmlNode;

/** Namespace declarations say how names are spelt, not what the document holds: they are left out. */
const isNamespaceDeclaration = (name: string) => name === 'xmlns' || name.startsWith('xmlns:');

/** Sets a key that may be `__proto__` (a valid XML name) as data, not as the object's prototype. */
function set(node: XmlNode, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  else node[key] = value;
}

/** An element without child elements is its text; one with children is an object. */
function elementValue(element: XmlElement): string | XmlNode {
  if (element.children.length === 0) return element.text;
  const node: XmlNode = { $loc: element.loc };
  for (const [name, value] of Object.entries(element.attributes))
    if (!isNamespaceDeclaration(name)) set(node, `@${name}`, value);
  addChildren(node, element.children);
  if (element.text !== '') node['#text'] = element.text;
  return node;
}

/**
 * The children of an element, grouped by local name in the order each name first occurs: one element is its value,
 * several an array of their values in document order. A text-only element's attributes go beside it, as
 * `<name>@<attribute>`: one value for one element, else an array aligned with the elements (null where one lacks it).
 */
function addChildren(node: XmlNode, children: XmlElement[]): void {
  const groups = new Map<string, XmlElement[]>();
  for (const child of children) {
    const name = localName(child.name);
    const group = groups.get(name);
    if (group) group.push(child);
    else groups.set(name, [child]);
  }
  for (const [name, elements] of groups) {
    const values = elements.map(elementValue);
    set(node, name, values.length === 1 ? values[0] : values);
    const attributes = new Set<string>();
    for (const element of elements)
      if (element.children.length === 0)
        for (const attribute of Object.keys(element.attributes))
          if (!isNamespaceDeclaration(attribute)) attributes.add(attribute);
    for (const attribute of attributes) {
      const each = elements.map((e) => (e.children.length === 0 ? (e.attributes[attribute] ?? null) : null));
      set(node, `${name}@${attribute}`, each.length === 1 ? each[0] : each);
    }
  }
}

/** The document's tree: `{ $loc: '/', <root local name>: … }`, the root read by the rules above. */
export function treeOf(root: XmlElement): XmlTree {
  const tree: XmlTree = { $loc: '/' };
  addChildren(tree, [root]);
  return tree;
}

/** Whether the root holds anything to map: a child element, text, or an attribute other than a declaration. */
export function isEmptyElement(element: XmlElement): boolean {
  return (
    element.children.length === 0 &&
    element.text === '' &&
    Object.keys(element.attributes).every(isNamespaceDeclaration)
  );
}
