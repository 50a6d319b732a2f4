import { edifactParses } from '../edifact/parse.ts';
import type { FormatReader } from '../types.ts';
import { buildDesadv, type EdifactDesadvTree } from './tree.ts';

export type { DesadvLine, EdifactDesadvTree, EdifactPackage, EdifactPackaging } from './tree.ts';

export interface ReaderOptions {
  /** Refuse documents larger than this many bytes (default 8 MiB, the one-document limit MAX_DOCUMENT_BYTES). */
  maxBytes?: number;
}

export function createReader(options: ReaderOptions = {}): FormatReader<EdifactDesadvTree> {
  return {
    name: 'edifact-desadv',
    family: 'scm',
    declaresCharset: 'its UNB syntax identifier (UNOC: ISO 8859-1, UNOW: UTF-8, …)',
    description:
      'UN/EDIFACT DESADV despatch advice (UNA honoured, BGM, DTM, RFF, NAD, TDT, CPS/PAC/GIN SSCC packing with LIN/PIA/QTY, CNT line count checked)',
    ...edifactParses({
      format: 'edifact-desadv',
      messageType: 'DESADV',
      build: buildDesadv,
      maxBytes: options.maxBytes,
    }),
  };
}

export const reader: FormatReader<EdifactDesadvTree> = createReader();
