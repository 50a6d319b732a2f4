import { quotedValue } from '../../lib/errors.ts';
import { decodeUtf8, likelyCharset, NotUtf8Error } from '../text-input/decode.ts';
import { FormatError } from '../types.ts';
import { CONTROL_RECORD, SEGMENT_FIELDS } from './flat-layout.ts';
import { FORMAT } from './values.ts';
import type { XmlSegment } from './xml.ts';

/**
 * IDoc flat files, as a SAP file port (WE21 "File", record types version 4.x) and middleware write them: one
 * fixed-width record a line, each IDoc its control record EDI_DC40 (524 characters) and then its data records
 * EDI_DD40: SEGNAM 30, MANDT 3, DOCNUM 16, SEGNUM 6, PSGNUM 6, HLEVEL 2 and SDATA 1000, the segment's fields at the
 * offsets of its segment definition (flat-layout.ts). Read into the segments the XML reader makes of IDoc-XML, so
 * buildIdoc and the mappings take either form: every field trimmed, a blank one left out (as SAP leaves an empty field
 * out of IDoc-XML), children under the segment their PSGNUM (else HLEVEL) names. Columns count UTF-16 code units, as a
 * Unicode SAP system counts characters.
 */

type Field = { name: string; start: number; length: number };

function fields(layout: string, start = 0): Field[] {
  const parts = layout.split(' ');
  const result: Field[] = [];
  let at = start;
  for (let i = 0; i < parts.length; i += 2) {
    const length = Number(parts[i + 1]);
    result.push({ name: parts[i]!, start: at, length });
    at += length;
  }
  return result;
}

const CONTROL = fields(CONTROL_RECORD);
const CONTROL_LENGTH = 524;
/** The data record's own fields before SDATA, and where SDATA starts. */
const RECORD = fields('SEGNAM 30 MANDT 3 DOCNUM 16 SEGNUM 6 PSGNUM 6 HLEVEL 2');
const SDATA = 63;
const DATA_LENGTH = SDATA + 1000;
const SEGMENTS = new Map(
  Object.entries(SEGMENT_FIELDS).map(([type, layout]) => [type, fields(layout, SDATA)]),
);

/** A data record's start: SEGNAM, MANDT, DOCNUM, then SEGNUM, PSGNUM and HLEVEL in digits. */
const DATA_RECORD = /^[A-Z/][A-Z0-9_/ ]{29}[0-9A-Z ]{3}[0-9 ]{16}\d{14}/;

/**
 * Whether the bytes are a flat IDoc: its first record a control record (`EDI_DC40`, or 3.x `EDI_DC`) at column 1, or
 * a data record, for the reader to say that its control record is missing.
 */
export function isFlatIdoc(input: Uint8Array): boolean {
  let start = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
  // Blank lines before it (a transfer's): the record still starts at column 1.
  while (input[start] === 0x0d || input[start] === 0x0a) start++;
  const head = input.subarray(start, start + 63);
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  return text.startsWith('EDI_DC') || DATA_RECORD.test(text);
}

/**
 * A segment's type from the name its record carries: the type itself (E1EDK01), or a segment definition (E2EDK01005:
 * E2, the type's name and a three-digit version, which SAP's oldest definitions go without: E2EDK14). A customer's
 * definition (Z2ORDERS_HDR000) reads as its type (Z1ORDERS_HDR) the same way.
 */
export function segmentType(name: string): string {
  if (!/^[EZ]2/.test(name)) return name;
  const type = `${name[0]}1${name.slice(2)}`;
  return SEGMENTS.has(type) ? type : type.replace(/^(.{4,}?)\d{3}$/, '$1');
}

/** One IDoc of a flat file, as the XML reader's IDOC element; `problem`: why it alone is refused. */
export interface FlatIdoc {
  segment: XmlSegment;
  problem?: FormatError;
}

/** The IDoc being read: its control record's DOCNUM and line, its segments by SEGNUM and the last one of each HLEVEL. */
interface Current {
  idoc: FlatIdoc;
  docnum: string;
  controlLine: number;
  bySegnum: Map<string, Built>;
  levels: Built[];
}

interface Built {
  segment: XmlSegment;
  path: string;
  counts: Map<string, number>;
}

function decode(input: Buffer): string {
  try {
    return decodeUtf8(FORMAT, input);
  } catch (error) {
    if (!(error instanceof NotUtf8Error)) throw error;
    // A flat file declares no character set: it is in the SAP system's code page, which the reader is told.
    const charset = likelyCharset(input);
    throw new FormatError(
      FORMAT,
      error.location,
      `${error.problem}: an IDoc flat file in ${charset}? name its character set (eai map --encoding ${charset}, a connector's encoding: ${charset}), or have SAP write UTF-8`,
      { cause: error },
    );
  }
}

/** The IDocs of a flat file, each with its control record and data records as segments. */
export function readFlat(input: Buffer): FlatIdoc[] {
  const lines = decode(input).split(/\r?\n/);
  const idocs: FlatIdoc[] = [];
  let current: Current | undefined;
  let root: Built | undefined;
  lines.forEach((line, index) => {
    const number = index + 1;
    if (line.trim() === '') return;
    if (line.startsWith('EDI_DC') && !line.startsWith('EDI_DC40')) {
      throw new FormatError(
        FORMAT,
        `line ${number}, column 1`,
        'a control record EDI_DC (SAP 3.x record types): not read, no published layout of it being at hand; set the port to record types version 4.x (EDI_DC40) or send IDoc-XML',
      );
    }
    if (line.startsWith('EDI_DC40')) {
      const path = `IDOC[${idocs.length + 1}]`;
      const control = record(line, number, `${path}/EDI_DC40[1]`, 'EDI_DC40', CONTROL, CONTROL_LENGTH);
      const segment: XmlSegment = {
        name: 'IDOC',
        loc: `${path} (line ${number})`,
        fields: {},
        children: [control.segment],
      };
      root = { segment, path, counts: new Map([['EDI_DC40', 1]]) };
      const problem =
        control.problem && new FormatError(FORMAT, control.problem.location, control.problem.message);
      const docnum = control.segment.fields.DOCNUM ?? '';
      current = { idoc: { segment, problem }, docnum, controlLine: number, bySegnum: new Map(), levels: [] };
      idocs.push(current.idoc);
      return;
    }
    const name = line.slice(0, 30).trim();
    if (!current || !root) {
      throw new FormatError(
        FORMAT,
        `line ${number}, column 1`,
        `a data record (${name || 'no segment name'}) before any control record EDI_DC40: a flat IDoc starts with its EDI_DC40`,
      );
    }
    const own = Object.fromEntries(
      RECORD.map((f) => [f.name, line.slice(f.start, f.start + f.length).trim()]),
    );
    const at = (field: string) => `column ${RECORD.find((f) => f.name === field)!.start + 1}`;
    const refuse = (location: string, message: string) => {
      current!.idoc.problem ??= new FormatError(FORMAT, location, message);
    };
    for (const field of ['SEGNUM', 'PSGNUM', 'HLEVEL']) {
      if (!/^\d*$/.test(own[field]!))
        refuse(
          `line ${number}, ${at(field)}`,
          `${field} of ${name} is not a number: ${quotedValue(own[field])}`,
        );
    }
    if (own.DOCNUM && own.DOCNUM !== current.docnum) {
      refuse(
        `line ${number}, ${at('DOCNUM')}`,
        `DOCNUM ${own.DOCNUM} of ${name} is not its control record's (${current.docnum || 'none'}, line ${current.controlLine}): records of another IDoc?`,
      );
    }
    const level = Number(own.HLEVEL || 0);
    let parent: Built | undefined = root;
    if (Number(own.PSGNUM || 0) > 0) {
      parent = current.bySegnum.get(own.PSGNUM!.padStart(6, '0'));
      if (!parent)
        refuse(
          `line ${number}, ${at('PSGNUM')}`,
          `PSGNUM ${own.PSGNUM} of ${name} names no segment before it in this IDoc`,
        );
    } else if (level > 2) {
      parent = current.levels[level - 1];
      if (!parent)
        refuse(
          `line ${number}, ${at('HLEVEL')}`,
          `HLEVEL ${own.HLEVEL} of ${name} has no segment of level ${level - 1} before it`,
        );
    }
    parent ??= root;
    const type = segmentType(name);
    const n = (parent.counts.get(type) ?? 0) + 1;
    parent.counts.set(type, n);
    const path = `${parent.path}/${type}[${n}]`;
    const layout = SEGMENTS.get(type) ?? [{ name: 'SDATA', start: SDATA, length: 1000 }];
    const data = record(line, number, path, type, layout, DATA_LENGTH);
    if (data.problem) refuse(data.problem.location, data.problem.message);
    parent.segment.children.push(data.segment);
    const built: Built = { segment: data.segment, path, counts: new Map() };
    if (own.SEGNUM) current.bySegnum.set(own.SEGNUM.padStart(6, '0'), built);
    if (level > 0) {
      current.levels[level] = built;
      current.levels.length = level + 1;
    }
  });
  if (idocs.length === 0) throw new FormatError(FORMAT, 'line 1', 'no control record EDI_DC40 in the file');
  return idocs;
}

/**
 * One record's fields by `layout`: trimmed, a blank one left out, each field's line and column kept for errors.
 * Text past the layout's last field (a segment version newer than the layout, a shifted record) or past the record
 * (`length`) is a problem, never dropped: blanks there are padding.
 */
function record(
  line: string,
  number: number,
  path: string,
  name: string,
  layout: Field[],
  length: number,
): { segment: XmlSegment; problem?: { location: string; message: string } } {
  const segment: XmlSegment = {
    name,
    loc: `${path} (line ${number})`,
    fields: {},
    fieldLocs: {},
    children: [],
  };
  for (const field of layout) {
    const value = line.slice(field.start, field.start + field.length);
    segment.fieldLocs![field.name] = `${path}/${field.name} (line ${number}, column ${field.start + 1})`;
    const trimmed = value.trim();
    if (trimmed === '' || field.name in segment.fields) continue;
    segment.fields[field.name] = trimmed;
    // Trailing blanks are the field's padding; leading ones were sent (a text line's indent).
    const sent = value.trimEnd();
    if (sent !== trimmed) segment.untrimmed = { ...segment.untrimmed, [field.name]: sent };
  }
  const last = layout[layout.length - 1]!;
  const end = last.start + last.length;
  const extra = line.slice(end).search(/\S/);
  if (extra !== -1) {
    const column = end + extra + 1;
    const message =
      column > length
        ? `${name}'s record is ${length} characters; this line has text at column ${column}`
        : `text at column ${column}, after ${name}'s last field ${last.name} (columns ${last.start + 1}-${end}): a newer version of the segment than its layout, or a shifted record`;
    return { segment, problem: { location: `${path} (line ${number}, column ${column})`, message } };
  }
  return { segment };
}
