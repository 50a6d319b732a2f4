import { NonRetriableError } from '../lib/errors.ts';

/**
 * The contract every document format implements. A format is named once (its `name`) and that name is used
 * everywhere: CLI `--format`, connector config, fixture folders, mapping files.
 */
/** The system family a format belongs to; `any` for generic tables (CSV) that any system may export. */
export type FormatFamily = 'erp' | 'scm' | 'crm' | 'any';

/** One business document read from a file or message. A file may hold several (IDocs, ST..SE sets, CDC events). */
export interface ParsedDocument<Tree = unknown> {
  /** The format name, e.g. `x12-856`. */
  format: string;
  /** The message type as the document itself declares it (EDI_DC40 MESTYP, ST01, UNH type, CDC entityName). */
  kind: string;
  /** The source document's own id (IDoc DOCNUM, ISA13/ST02 control numbers, BGM number, CDC transactionKey…). */
  id: string;
  /** The sender as the document names it (SNDPRN, ISA06, UNB sender, Salesforce org…); becomes CloudEvents `ce_source`. */
  source: string;
  /**
   * A plain JSON-able tree that mappings read with JSONata. Nodes that stand for a segment / element / JSON object
   * carry `$loc`: a human-readable location (e.g. `ST#2/HL#3/SN1 (segment 14, line 15)` or a JSON pointer),
   * so mapping errors can say where in the input a problem sits.
   */
  tree: Tree;
}

export interface FormatReader<Tree = unknown> {
  name: string;
  family: FormatFamily;
  /** One line for `eai map formats`. */
  description: string;
  /** Throws FormatError (with a location) on input that is not a valid document of this format. */
  parse(input: Buffer): ParsedDocument<Tree>[];
}

export interface FormatWriter<Tree = unknown> {
  name: string;
  family: FormatFamily;
  description: string;
  /** Writes one document; the result reads back with the reader of the same name. */
  write(tree: Tree): Buffer;
}

/** What an error at a JSON document's root says instead of its empty JSON pointer (`''`). */
export const DOCUMENT_ROOT = '(document root)';

/**
 * Input that is not a valid document. Never retriable: the same bytes fail the same way. The location is never
 * empty: the root of a JSON document (pointer `''`) reads DOCUMENT_ROOT.
 */
export class FormatError extends NonRetriableError {
  readonly format: string;
  readonly location: string;
  constructor(format: string, location: string, message: string, options: { cause?: unknown } = {}) {
    const where = location.trim() === '' ? DOCUMENT_ROOT : location;
    super(`${format}: ${where}: ${message}`, options);
    this.format = format;
    this.location = where;
  }
}
