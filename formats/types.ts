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
  /**
   * A table's column names as its header line writes them, in order (CSV): what a mapping's `columns.required` is
   * checked against. Not in the tree, whose rows hold only the cells that have a value.
   */
  header?: string[];
  /**
   * Parts of the document its reader could not read while it read the others (a CSV row with another number of
   * cells than the header), in input order, by their `$loc`: each stands in the tree as a node holding that `$loc`
   * alone, and the record a mapping makes of it fails with the reader's error (`<format>: <location>: <problem>`)
   * while the others map (mapRecordsEagerly); mapping the document all or nothing fails it with the first.
   */
  unreadable?: UnreadablePart[];
}

/** A part of a document its reader could not read (ParsedDocument.unreadable): where (its `$loc`) and why. */
export interface UnreadablePart {
  location: string;
  problem: string;
}

export interface FormatReader<Tree = unknown> {
  name: string;
  family: FormatFamily;
  /** One line for `eai map formats`. */
  description: string;
  /**
   * Where a document of this format declares its own character set (`the UNB syntax identifier`), for formats that
   * do: such documents are read in the set they declare, never in one a connector or `eai map --encoding` names.
   */
  declaresCharset?: string;
  /**
   * For a format whose documents come in a form that declares its character set and one that does not (IDoc-XML and
   * IDoc flat files): whether these bytes declare theirs. A character set named is then allowed, and applied to the
   * others only. Absent: every document of a format with `declaresCharset` declares it.
   */
  declaresCharsetIn?(input: Uint8Array): boolean;
  /** Throws FormatError (with a location) on input that is not a valid document of this format. */
  parse(input: Buffer): ParsedDocument<Tree>[];
  /**
   * For inputs that hold several documents (ST..SE sets, UNH..UNT messages, IDocs): each document read on its own,
   * one that is not valid coming back as a RefusedDocument while the others are read, so one partner's bad order
   * does not take the good ones of its interchange down with it. What concerns the whole input (size, decoding,
   * separators, envelopes) still throws. Absent: `parse`, all or nothing.
   */
  parseEach?(input: Buffer): Array<ParsedDocument<Tree> | RefusedDocument>;
}

/** A document its reader refused on its own, the other documents of the same input being read (`parseEach`). */
export interface RefusedDocument {
  /** The document's id as its envelope gives it (ISA13/ST02, UNB/UNH references, DOCNUM), when it has one. */
  id?: string;
  /**
   * The sending partner as its envelope names it (ISA06, UNB sender, SNDPRN), when the envelope read: what a
   * parsed document's `source` is, so that the refused one's dead letter names its sender as the others' do.
   */
  source?: string;
  refused: FormatError;
}

export interface FormatWriter<Tree = unknown, Options = unknown> {
  name: string;
  family: FormatFamily;
  description: string;
  /**
   * The file extension of its documents, with the dot (`.csv`, `.xml`): what a file sink names its files by default.
   */
  extension: string;
  /**
   * The media type of its documents, as a Content-Type header says it (`text/csv; charset=utf-8`, `application/json`):
   * what an HTTP sink sends a mapped document as.
   */
  mediaType: string;
  /**
   * Writes one document; the result reads back with the reader of the same name. `options`: the writer's own, as a
   * from-canonical mapping names them under `options.<format>` (the csv writer's delimiter…), already validated.
   */
  write(tree: Tree, options?: Options, envelope?: NumberedEnvelope): Buffer;
  /**
   * Writers whose documents carry interchange control numbers (X12's ISA13 / GS06): how many each document takes. The
   * caller hands them over in `write`'s `envelope`, from a counter it keeps so that none is ever used twice (the file
   * sink's `controlNumberFile`); a partner refuses an interchange whose control number it has seen. Absent: none.
   */
  controlNumbers?: number;
}

/** A numbered document's own envelope values: its first control number (the next ones follow it) and its time. */
export interface NumberedEnvelope {
  controlNumber: number;
  at: Date;
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
  /**
   * The interchange the error is in, when its header (ISA, UNB) read before the error: what a dead letter of the
   * whole input is keyed by (its control number) and whose partner it names (its sender), as a set's letter is.
   */
  interchange?: InterchangeRef;
  constructor(format: string, location: string, message: string, options: { cause?: unknown } = {}) {
    const where = location.trim() === '' ? DOCUMENT_ROOT : location;
    super(`${format}: ${where}: ${message}`, options);
    this.format = format;
    this.location = where;
  }
}

/**
 * A document of its input that is of another type than its reader takes (an 856 set handed to the 850 reader, an
 * INVOIC message to the ORDERS one): refused by this reader, maybe read by another. `documentType` is the type its
 * envelope names (X12 ST01 `856`, EDIFACT UNH 0065 `DESADV`), so `eai map` tries the reader of that type
 * (detect.ts formatReading) wherever in the file the document stands, the file read once per type it holds.
 */
export class ForeignDocumentError extends FormatError {
  readonly documentType: { standard: 'x12' | 'edifact'; type: string };
  constructor(
    format: string,
    location: string,
    message: string,
    documentType: { standard: 'x12' | 'edifact'; type: string },
  ) {
    super(format, location, message);
    this.documentType = documentType;
  }
}

/** An EDI interchange as its header names it: the sender's id (ISA06, UNB 0004) and its control number (ISA13, UNB 0020). */
export interface InterchangeRef {
  sender: string;
  controlNumber: string;
}

/**
 * Runs `read` (an interchange's envelope checks) and names the interchange in a FormatError it throws that names none
 * yet: a control number that is no short code (garbage where ISA13 stands) is left out, so it never becomes a key.
 */
export function inInterchange<T>(ref: InterchangeRef, read: () => T): T {
  try {
    return read();
  } catch (error) {
    nameInterchange(error, ref);
    throw error;
  }
}

/**
 * Runs `check` (a message trailer's checks of its own message: X12 SE01 / SE02, EDIFACT UNT01 / UNT02) and gives the
 * FormatError it throws, naming its interchange, as that message's `problem`: its reader refuses it alone and reads
 * the interchange's other messages, the trailer marking where it ends (README of formats/x12: control counts).
 */
export function messageProblem(ref: InterchangeRef, check: () => void): FormatError | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    // Its dead letter names the interchange, as an envelope error's does.
    nameInterchange(error, ref);
    return error;
  }
}

/** `error` (a FormatError naming no interchange yet) names `ref`, as `inInterchange` does. */
export function nameInterchange(error: unknown, ref: InterchangeRef): void {
  if (!(error instanceof FormatError) || error.interchange) return;
  const controlNumber = ref.controlNumber.trim();
  const sender = ref.sender.trim();
  if (/^[A-Za-z0-9._-]{1,35}$/.test(controlNumber))
    error.interchange = { sender: /^[\x20-\x7e]{1,35}$/.test(sender) ? sender : '', controlNumber };
}
