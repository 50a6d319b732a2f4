import { errorMessage } from '../../lib/errors.ts';
import { parses, readEach } from '../each-document.ts';
import { FormatError, type FormatReader, type FormatWriter } from '../types.ts';
import { buildIdoc, idocElements } from './build.ts';
import type { IdocTree } from './tree.ts';
import { FORMAT } from './values.ts';
import { writeOrdrsp } from './writer.ts';
import { readXml } from './xml.ts';

export type * from './tree.ts';

export const reader: FormatReader<IdocTree> = {
  name: FORMAT,
  family: 'erp',
  declaresCharset: 'its XML declaration (encoding="…"; UTF-8 when absent)',
  description: 'SAP IDoc ORDERS05 as XML (MESTYP ORDERS / ORDRSP), several IDocs per file',
  // Each IDoc of a file on its own: one with an impossible date or a wrong basic type is refused alone.
  ...parses((input) =>
    readEach(
      idocElements(readXml(FORMAT, input)),
      (idoc) => {
        const tree = buildIdoc(idoc);
        return {
          format: FORMAT,
          kind: tree.messageType,
          id: String(tree.control.DOCNUM),
          source: String(tree.control.SNDPRN ?? ''),
          tree,
        };
      },
      (idoc) => idoc.children.find((c) => c.name === 'EDI_DC40')?.fields.DOCNUM || undefined,
      (error) =>
        error instanceof FormatError
          ? error
          : new FormatError(FORMAT, 'document', `cannot be read: ${errorMessage(error)}`, { cause: error }),
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
