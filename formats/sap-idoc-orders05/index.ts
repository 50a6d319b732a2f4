import type { FormatReader, FormatWriter, ParsedDocument } from '../types.ts';
import { buildIdocs } from './build.ts';
import type { IdocTree } from './tree.ts';
import { FORMAT } from './values.ts';
import { writeOrdrsp } from './writer.ts';
import { readXml } from './xml.ts';

export type * from './tree.ts';

export const reader: FormatReader<IdocTree> = {
  name: FORMAT,
  family: 'erp',
  description: 'SAP IDoc ORDERS05 as XML (MESTYP ORDERS / ORDRSP), several IDocs per file',
  parse(input: Buffer): ParsedDocument<IdocTree>[] {
    return buildIdocs(readXml(FORMAT, input)).map((tree) => ({
      format: FORMAT,
      kind: tree.messageType,
      id: String(tree.control.DOCNUM),
      source: String(tree.control.SNDPRN ?? ''),
      tree,
    }));
  },
};

export const writer: FormatWriter<IdocTree> = {
  name: FORMAT,
  family: 'erp',
  description: 'SAP IDoc ORDERS05 order response (MESTYP ORDRSP) or inbound order (ORDERS) as XML',
  write: writeOrdrsp,
};
