import { idocElements } from './build.ts';
import { CONTROL_RECORD, SEGMENT_FIELDS } from './flat-layout.ts';
import { FORMAT } from './values.ts';
import { readXml, type XmlSegment } from './xml.ts';

/**
 * IDoc-XML as a SAP file port writes the same IDocs flat (for the specs: the flat reader must make the same trees of
 * it): each field at its offset in the layout, data records numbered (SEGNUM), each naming its parent (PSGNUM) and
 * level (HLEVEL, 02 at the top). A segment the layout does not have is written as the values of its fields, one after
 * the other, in SDATA; a field its segment's layout does not have, or longer than its length there, cannot be written:
 * it is left out and named in `dropped`.
 */
export function toFlat(
  xml: Buffer | string,
  options: { names?: 'type' | 'definition'; eol?: string; cutTrailingBlanks?: boolean } = {},
): { flat: string; dropped: Set<string> } {
  const dropped = new Set<string>();
  const lines: string[] = [];
  // A value longer than its field (a fixture's 12-character port name) cannot be written either.
  const pad = (value: string, length: number, name: string) => {
    if (value.length <= length) return value.padEnd(length);
    dropped.add(name);
    return ''.padEnd(length);
  };
  const layout = (text: string) =>
    text.split(' ').flatMap((part, i, all) => (i % 2 === 0 ? [[part, Number(all[i + 1])] as const] : []));
  for (const idoc of idocElements(readXml(FORMAT, Buffer.from(xml)))) {
    const control = idoc.children.find((c) => c.name === 'EDI_DC40')!;
    const fields: Record<string, string> = { ...control.fields, TABNAM: 'EDI_DC40' };
    lines.push(
      layout(CONTROL_RECORD)
        .map(([name, length]) => pad(fields[name] ?? '', length, name))
        .join(''),
    );
    const docnum = fields.DOCNUM ?? '';
    const mandt = fields.MANDT ?? '';
    let segnum = 0;
    const write = (segment: XmlSegment, parent: number, level: number) => {
      segnum++;
      const own = segnum;
      const known = SEGMENT_FIELDS[segment.name];
      let sdata: string;
      if (known) {
        const names = new Set(layout(known).map(([name]) => name));
        for (const name of Object.keys(segment.fields)) if (!names.has(name)) dropped.add(name);
        sdata = layout(known)
          .map(([name, length]) => {
            // Leading blanks as sent where they fit (a text line's indent, a number SAP aligned right); trailing
            // ones cannot be told from the field's padding.
            const sent = segment.untrimmed?.[name]?.trimEnd() ?? '';
            return pad(
              sent.length <= length ? sent || (segment.fields[name] ?? '') : (segment.fields[name] ?? ''),
              length,
              name,
            );
          })
          .join('');
      } else sdata = Object.values(segment.fields).join('');
      const definition = known && options.names === 'definition' && segment.name.startsWith('E1');
      const segnam = definition ? `E2${segment.name.slice(2)}001` : segment.name;
      lines.push(
        pad(segnam, 30, 'SEGNAM') +
          pad(mandt, 3, 'MANDT') +
          pad(docnum, 16, 'DOCNUM') +
          String(own).padStart(6, '0') +
          String(parent).padStart(6, '0') +
          String(level).padStart(2, '0') +
          pad(sdata, 1000, 'SDATA'),
      );
      for (const child of segment.children) write(child, own, level + 1);
    };
    for (const segment of idoc.children) if (segment !== control) write(segment, 0, 2);
  }
  const cut = options.cutTrailingBlanks ? lines.map((line) => line.trimEnd()) : lines;
  const eol = options.eol ?? '\n';
  return { flat: cut.join(eol) + eol, dropped };
}
