import { FormatError } from '../../formats/types.ts';
import { EaiError, NonRetriableError } from '../../lib/errors.ts';

/**
 * A document that its mapping cannot turn into a valid record. Names the mapping file, the output field path
 * and the input location, so the fix is obvious: `mappings/sap/idoc-orders05.to-canonical.yaml:
 * salesOrder.lines[2].quantity.value: "12,5" is not a number (input /ORDERS05/IDOC[1]/E1EDP01[3])`.
 */
export class MappingError extends NonRetriableError {
  readonly mappingFile: string;
  readonly path: string;
  readonly location: string | undefined;
  readonly problem: string;
  /**
   * About the document, not one of its records (its header, its per-document budget, a `let`): the document is
   * refused whole even where each record is mapped on its own (run.ts mapRecordsEagerly).
   */
  readonly wholeDocument: boolean;
  constructor(
    mappingFile: string,
    path: string,
    problem: string,
    location?: string,
    options: { cause?: unknown; wholeDocument?: boolean } = {},
  ) {
    // One line: a problem that quotes a multi-line expression would spread over lines of a dead letter's reason
    // header, a `.reason` file and the CLI's one-line error (new-user trial).
    const oneLine = problem.replace(/\s*\n\s*/g, ' ');
    super(`${mappingFile}: ${path || '(record)'}: ${oneLine}${location ? ` (input ${location})` : ''}`, {
      cause: options.cause,
    });
    this.mappingFile = mappingFile;
    this.path = path;
    this.problem = oneLine;
    this.location = location;
    this.wholeDocument = options.wholeDocument ?? false;
  }
}

/** `salesOrder.lines[2].quantity` from path segments. */
export function formatPath(segments: Array<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

/** A reader or mapping error as one line for people and scripts (`eai map`, dead letters). */
export interface ErrorLine {
  error: string;
  /** Where in the input (segment, XML path, JSON pointer); absent when the problem is not in the input. */
  location?: string;
  /** The mapping file and output field, for mapping errors. */
  mapping?: string;
  field?: string;
  /**
   * The record of its document that failed, from 1 (the `<n>` of the `<document id>:<n>` id its event would carry),
   * when the document's other records went on; absent when the document failed whole.
   */
  record?: number;
  message: string;
}

export function errorLine(error: unknown): ErrorLine {
  if (error instanceof FormatError) {
    return { error: 'FormatError', location: error.location, message: error.message };
  }
  if (error instanceof MappingError) {
    return {
      error: 'MappingError',
      location: error.location,
      mapping: error.mappingFile,
      field: error.path,
      message: error.message,
    };
  }
  const name = error instanceof EaiError ? error.name : 'Error';
  return { error: name, message: error instanceof Error ? error.message : String(error) };
}
