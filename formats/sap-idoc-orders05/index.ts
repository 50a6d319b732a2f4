import { errorMessage } from '../../lib/errors.ts';
import { parses, readEach } from '../each-document.ts';
import { FormatError, type FormatReader, type FormatWriter } from '../types.ts';
import { buildIdoc, idocElements } from './build.ts';
import { type FlatIdoc, isFlatIdoc, readFlat } from './flat.ts';
import type { IdocTree } from './tree.ts';
import { FORMAT } from './values.ts';
import { writeOrdrsp } from './writer.ts';
import { readXml } from './xml.ts';

export type * from './tree.ts';

/** A file's IDocs: a flat file's (its first record EDI_DC40), else IDoc-XML's IDOC elements. */
function idocs(input: Buffer): FlatIdoc[] {
  if (isFlatIdoc(input)) return readFlat(input);
  return idocElements(readXml(FORMAT, input)).map((segment) => ({ segment }));
}

export const reader: FormatReader<IdocTree> = {
  name: FORMAT,
  family: 'erp',
  declaresCharset: 'its XML declaration (encoding="…"; UTF-8 when absent)',
  // A flat file declares none: it is read in the encoding named (the SAP system's code page), UTF-8 by default.
  declaresCharsetIn: (input) => !isFlatIdoc(input),
  description: 'SAP IDoc ORDERS05 as XML or as a flat file (MESTYP ORDERS / ORDRSP), several IDocs per file',
  // Each IDoc of a file on its own: one with an impossible date or a wrong basic type is refused alone.
  ...parses((input) =>
    readEach(
      idocs(input),
      (idoc) => {
        // A flat IDoc whose records do not fit together (another DOCNUM, a PSGNUM naming nothing) is refused alone.
        if (idoc.problem) throw idoc.problem;
        const tree = buildIdoc(idoc.segment);
        return {
          format: FORMAT,
          kind: tree.messageType,
          id: String(tree.control.DOCNUM),
          source: String(tree.control.SNDPRN ?? ''),
          tree,
        };
      },
      (idoc) => idoc.segment.children.find((c) => c.name === 'EDI_DC40')?.fields.DOCNUM || undefined,
      (error) =>
        error instanceof FormatError
          ? error
          : new FormatError(FORMAT, 'document', `cannot be read: ${errorMessage(error)}`, { cause: error }),
      (idoc) => idoc.segment.children.find((c) => c.name === 'EDI_DC40')?.fields.SNDPRN || undefined,
    ),
  ),
};

export const writer: FormatWriter<IdocTree> = {
  name: FORMAT,
  family: 'erp',
  description: 'SAP IDoc ORDERS05 order response (MESTYP ORDRSP) or inbound order (ORDERS) as XML',
  extension: '.xml',
  mediaType: 'application/xml',
  write: writeOrdrsp,
};
