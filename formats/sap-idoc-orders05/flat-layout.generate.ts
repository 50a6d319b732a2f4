/**
 * Writes flat-layout.ts, the field layouts of ORDERS05's segments in an IDoc flat file, from the published structure
 * tables of BlueSeer (https://github.com/blueseerERP/blueseer, MIT licence, commit
 * f5ac4da29c1239493b57d4e57166d58bec38b2f0): sf/edi/structure/IDOCorders05.csv, and IDOCinvoic02.csv for what the
 * ORDERS05 table lacks or has wrong (a SAP segment type has one layout whatever basic type carries it):
 * - E1EDP26, the amounts segment the reader and writer know, only in INVOIC02;
 * - a field of the same name with another length in INVOIC02 (its table agrees with SAP's data elements, and with the
 *   ORDERS05 table's own header twin: IHREZ, PARNR and KNREF 30 where E1EDPA1 and E1EDP02 say 23, MATNR_GUID 32
 *   where E1EDP01 says 33);
 * - the fields a newer segment version appends (INVOIC02's E1EDP01 IUID_RELEVANT, E1EDP19 IDTNR_EXTERNAL…), when the
 *   ORDERS05 table's fields are the first ones of INVOIC02's, in the same order.
 * Each row: segment,parent,loopcount,isgroup,islandmark,field,desc,min,max,align,status. The first seven rows of a
 * data segment are the data record's own fields (landmark + segnam = SEGNAM 30, MANDT, DOCNUM, SEGNUM, PSGNUM,
 * HLEVEL); EDI_DC's landmark + tabnam are TABNAM 10.
 *
 *   git --git-dir=<blueseer>/.git show f5ac4da29c1239493b57d4e57166d58bec38b2f0:sf/edi/structure/IDOCorders05.csv > o5.csv
 *   git --git-dir=<blueseer>/.git show f5ac4da29c1239493b57d4e57166d58bec38b2f0:sf/edi/structure/IDOCinvoic02.csv > i2.csv
 *   node formats/sap-idoc-orders05/flat-layout.generate.ts o5.csv i2.csv
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Field = [name: string, length: number];

const RECORD_FIELDS = new Set(['LANDMARK', 'SEGNAM', 'MANDT', 'DOCNUM', 'SEGNUM', 'PSGNUM', 'HLEVEL']);
const FROM_INVOIC02 = ['E1EDP26'];

function table(path: string): Map<string, Field[]> {
  const segments = new Map<string, Field[]>();
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',');
    const [segment, , , , , field, , , max] = cells;
    if (!segment || !field || !max)
      throw new Error(`${path}: a row without segment, field or length: ${line}`);
    // E2EDK01 (the segment definition without its version) is segment type E1EDK01.
    const type = segment === 'EDI_DC' ? 'EDI_DC40' : segment.replace(/^E2/, 'E1');
    const fields = segments.get(type) ?? [];
    fields.push([field.toUpperCase(), Number(max)]);
    segments.set(type, fields);
  }
  return segments;
}

function controlRecord(fields: Field[]): Field[] {
  // landmark (6) + tabnam (4): TABNAM, CHAR 10 ("EDI_DC40  ").
  const [landmark, tabnam, ...rest] = fields;
  if (landmark?.[0] !== 'LANDMARK' || tabnam?.[0] !== 'TABNAM')
    throw new Error('EDI_DC: landmark, tabnam first');
  return [['TABNAM', landmark[1] + tabnam[1]], ...rest];
}

function merged(type: string, own: Field[], other: Field[] | undefined, log: string[]): Field[] {
  const data = own.filter(([name]) => !RECORD_FIELDS.has(name));
  if (!other) return data;
  const theirs = other.filter(([name]) => !RECORD_FIELDS.has(name));
  const result = data.map(([name, length]): Field => {
    const same = theirs.filter(([n]) => n === name);
    if (same.length === 1 && same[0]![1] !== length) {
      log.push(`${type}-${name}: ${length} -> ${same[0]![1]} (INVOIC02)`);
      return [name, same[0]![1]];
    }
    return [name, length];
  });
  const prefix = data.every(([name], i) => theirs[i]?.[0] === name);
  if (prefix && theirs.length > data.length) {
    const appended = theirs.slice(data.length);
    log.push(`${type}: + ${appended.map(([n]) => n).join(' ')} (INVOIC02, a newer segment version)`);
    result.push(...appended);
  }
  return result;
}

const [orders05, invoic02] = process.argv.slice(2);
if (!orders05 || !invoic02)
  throw new Error('usage: flat-layout.generate.ts IDOCorders05.csv IDOCinvoic02.csv');
const own = table(orders05);
const other = table(invoic02);
const log: string[] = [];
const control = controlRecord(own.get('EDI_DC40') ?? []);
const segments: Array<[string, Field[]]> = [];
for (const [type, fields] of own) {
  if (type !== 'EDI_DC40') segments.push([type, merged(type, fields, other.get(type), log)]);
}
for (const type of FROM_INVOIC02) {
  const fields = other.get(type);
  if (!fields) throw new Error(`${type} is not in ${invoic02}`);
  segments.push([type, merged(type, fields, undefined, log)]);
  log.push(`${type}: from INVOIC02`);
}
const total = (fields: Field[]) => fields.reduce((sum, [, length]) => sum + length, 0);
if (total(control) !== 524) throw new Error(`EDI_DC40 is ${total(control)} characters, not 524`);
for (const [type, fields] of segments) {
  if (total(fields) > 1000) throw new Error(`${type} is ${total(fields)} characters, more than SDATA's 1000`);
}
const text = (fields: Field[]) => fields.map(([name, length]) => `${name} ${length}`).join(' ');
const out = `// Generated by flat-layout.generate.ts from BlueSeer's IDoc structure tables (github.com/blueseerERP/blueseer,
// MIT licence, commit f5ac4da29c1239493b57d4e57166d58bec38b2f0, sf/edi/structure/IDOCorders05.csv and
// IDOCinvoic02.csv). Do not edit: change the script and run it again. Taken from INVOIC02's table:
${log.map((line) => `// - ${line}`).join('\n')}

/** EDI_DC40, the control record of SAP's record types version 4.x: each field's name and length, in order (524). */
export const CONTROL_RECORD = '${text(control)}';

/** Each segment type's fields in SDATA: name and length, in order (field 1 from SDATA's first character). */
export const SEGMENT_FIELDS: Readonly<Record<string, string>> = {
${segments.map(([type, fields]) => `  ${type}: '${text(fields)}',`).join('\n')}
};
`;
const target = join(import.meta.dirname, 'flat-layout.ts');
writeFileSync(target, out);
execFileSync('npx', ['biome', 'format', '--write', target], { stdio: 'ignore' });
console.log(log.join('\n'));
