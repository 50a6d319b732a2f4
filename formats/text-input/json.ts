import { FormatError } from '../types.ts';
import { lineColumn } from './decode.ts';

export interface JsonParseOptions {
  /** Keys whose numeric values may exceed 2^53 (e.g. CDC commitNumber): they are read as their exact digits. */
  losslessKeys?: string[];
}

/** One JSON value of the input and the pointer prefix its locations start with. */
export interface JsonValueAt {
  value: unknown;
  base: string;
}

/**
 * Parses JSON, refusing malformed text with a line and column. Lossless keys are quoted in the text before
 * parsing: a reviver with source access does the same but is ~5x slower on large documents.
 */
export function parseJson(format: string, text: string, options: JsonParseOptions = {}): unknown {
  const prepared = quoteLosslessKeys(text, options.losslessKeys ?? []);
  try {
    return JSON.parse(prepared);
  } catch (error) {
    throw syntaxError(format, text, prepared === text ? error : errorOf(text), 0);
  }
}

/** The error the original text gives, so positions are not shifted by quoting. */
function errorOf(text: string): unknown {
  try {
    JSON.parse(text);
    return new Error('unexpected token');
  } catch (error) {
    return error;
  }
}

/**
 * Parses one JSON value or JSON lines (one value per non-empty line). A text whose first non-empty line is
 * itself a complete value, with more lines after it, is read as JSON lines and errors name that line.
 */
export function parseJsonOrLines(
  format: string,
  text: string,
  options: JsonParseOptions = {},
): JsonValueAt[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new FormatError(format, 'line 1, column 1', 'empty document');
  const firstBreak = trimmed.indexOf('\n');
  if (firstBreak !== -1 && isCompleteJson(trimmed.slice(0, firstBreak))) {
    const values: JsonValueAt[] = [];
    let offset = 0;
    for (const line of text.split('\n')) {
      if (line.trim() !== '') {
        const prepared = quoteLosslessKeys(line, options.losslessKeys ?? []);
        try {
          values.push({ value: JSON.parse(prepared), base: `/${values.length}` });
        } catch (error) {
          throw syntaxError(format, text, prepared === line ? error : errorOf(line), offset, line);
        }
      }
      offset += line.length + 1;
    }
    return values;
  }
  return [{ value: parseJson(format, text, options), base: '' }];
}

function isCompleteJson(line: string): boolean {
  const t = line.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

function quoteLosslessKeys(text: string, keys: string[]): string {
  let out = text;
  for (const key of keys) {
    const pattern = new RegExp(`("${key}"\\s*:\\s*)(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)`, 'g');
    out = out.replace(pattern, '$1"$2"');
  }
  return out;
}

function syntaxError(
  format: string,
  text: string,
  error: unknown,
  offset: number,
  part?: string,
): FormatError {
  const message = error instanceof Error ? error.message : String(error);
  const source = part ?? text;
  const found = /position (\d+)/.exec(message);
  // Quoting lossless keys shifts columns, so positions are measured on the original text or line.
  const local = found ? Number(found[1]) : source.length;
  const where = lineColumn(text, offset + Math.min(local, source.length));
  const what = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
  return new FormatError(format, `line ${where.line}, column ${where.column}`, `malformed JSON: ${what}`, {
    cause: error,
  });
}
