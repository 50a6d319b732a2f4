import type { OrderIdoc, Segment } from './idoc-order.ts';
import type { IdocVariant } from './variants.ts';

function escapeXml(value: string, quote: string): string {
  const escaped = value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return quote === "'" ? escaped.replaceAll("'", '&apos;') : escaped.replaceAll('"', '&quot;');
}

/**
 * Serializes IDocs as one ORDERS05 XML file, byte for byte as the variants ask: CRLF or LF, single or
 * double quotes, SEGMENT="1" left off some segments, trailing blanks after some lines (as file ports write).
 */
export function writeIdocFile(idocs: OrderIdoc[], variants: Set<IdocVariant>): string {
  const q = variants.has('single-quotes') ? "'" : '"';
  const eol = variants.has('crlf') ? '\r\n' : '\n';
  const lines: string[] = [`<?xml version=${q}1.0${q} encoding=${q}UTF-8${q}?>`, '<ORDERS05>'];
  let counter = 0;
  const write = (segment: Segment, indent: string) => {
    counter++;
    const dropAttribute = variants.has('no-segment-attribute') && counter % 2 === 0;
    lines.push(`${indent}<${segment.name}${dropAttribute ? '' : ` SEGMENT=${q}1${q}`}>`);
    for (const [field, value] of segment.fields) {
      const blank = variants.has('trailing-whitespace') && counter % 3 === 0 ? '   ' : '';
      lines.push(`${indent}\t<${field}>${escapeXml(value, q)}</${field}>${blank}`);
    }
    for (const child of segment.children) write(child, `${indent}\t`);
    lines.push(`${indent}</${segment.name}>`);
  };
  for (const idoc of idocs) {
    lines.push(`\t<IDOC BEGIN=${q}1${q}>`);
    write(idoc.control, '\t\t');
    for (const segment of idoc.segments) write(segment, '\t\t');
    lines.push('\t</IDOC>');
  }
  lines.push('</ORDERS05>');
  return lines.join(eol) + eol;
}
