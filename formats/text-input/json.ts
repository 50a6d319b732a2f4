import { FormatError } from '../types.ts';
import { lineColumn } from './decode.ts';
import { exactInDouble, JsonDecimal } from './json-number.ts';
import { jsonSyntaxErrorOffset } from './json-syntax.ts';

/**
 * How deep a JSON value may nest. Real documents of these formats nest under ten levels; a document of a million
 * `[` is refused before anything recurses into it (mappings and tree walkers would exhaust the stack). 64 is
 * System.Text.Json's default.
 */
export const MAX_JSON_DEPTH = 64;

/** One JSON value of the input and the pointer prefix its locations start with. */
export interface JsonValueAt {
  value: unknown;
  base: string;
}

/**
 * Parses JSON, refusing malformed text with a line and column and nesting deeper than MAX_JSON_DEPTH with its
 * place. Numbers a double cannot hold exactly (20-digit ids, `1e400`, over-long fractions) become JsonDecimal with
 * their source text; only a text that holds one pays for the slower reviver that reads sources.
 */
export function parseJson(format: string, text: string): unknown {
  const scan = scanJson(format, text, 0, text);
  try {
    return scan.inexact ? JSON.parse(text, keepInexactNumbers) : JSON.parse(text);
  } catch (error) {
    throw syntaxError(format, text, error, 0);
  }
}

function keepInexactNumbers(
  this: unknown,
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  return exactInDouble(context.source) ? value : new JsonDecimal(context.source);
}

/**
 * Parses one JSON value or JSON lines (one value per non-empty line). A text whose first non-empty line is
 * itself a complete value, with more lines after it, is read as JSON lines and errors name that line.
 */
export function parseJsonOrLines(format: string, text: string): JsonValueAt[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new FormatError(format, 'line 1, column 1', 'empty document');
  const firstBreak = trimmed.indexOf('\n');
  if (firstBreak !== -1 && isCompleteJson(trimmed.slice(0, firstBreak))) {
    const values: JsonValueAt[] = [];
    let offset = 0;
    for (const line of text.split('\n')) {
      if (line.trim() !== '') {
        const scan = scanJson(format, line, offset, text);
        try {
          values.push({
            value: scan.inexact ? JSON.parse(line, keepInexactNumbers) : JSON.parse(line),
            base: `/${values.length}`,
          });
        } catch (error) {
          throw syntaxError(format, text, error, offset, line);
        }
      }
      offset += line.length + 1;
    }
    return values;
  }
  return [{ value: parseJson(format, text), base: '' }];
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
  // V8 names no position for an unexpected token (`Unexpected token 'I', "ISA*00*"... is not valid JSON`).
  const local = found ? Number(found[1]) : (jsonSyntaxErrorOffset(source) ?? source.length);
  const where = lineColumn(text, offset + Math.min(local, source.length));
  const what = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
  return new FormatError(format, `line ${where.line}, column ${where.column}`, `malformed JSON: ${what}`, {
    cause: error,
  });
}

/**
 * One pass over the text outside strings: refuses nesting deeper than MAX_JSON_DEPTH (at its line and column, with
 * the pointer of the value that goes too deep) and says whether some number is not exact in a double. Malformed
 * text is left to JSON.parse, which names the position. Strings are skipped with indexOf (to the next quote not
 * escaped) rather than character by character, and the stack is kept in number arrays: the scan runs once per
 * document and allocates nothing per key.
 */
function scanJson(format: string, text: string, offset: number, whole: string): { inexact: boolean } {
  if (nothingToFind(text)) return EXACT;
  // Per open container: '[' or '{', the array index, and where the current key's string starts and ends.
  const kinds: number[] = [];
  const indexes: number[] = [];
  const keyStarts: number[] = [];
  const keyEnds: number[] = [];
  let inexact = false;
  let expectKey = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const start = i;
      i = closingQuote(text, i + 1);
      if (expectKey && kinds.length > 0) {
        keyStarts[kinds.length - 1] = start;
        keyEnds[kinds.length - 1] = i + 1;
      }
      expectKey = false;
    } else if (c === 123 || c === 91) {
      if (kinds.length === MAX_JSON_DEPTH) {
        const at = lineColumn(whole, offset + i);
        throw new FormatError(
          format,
          `line ${at.line}, column ${at.column}`,
          `JSON nested deeper than ${MAX_JSON_DEPTH} levels (at ${pointerOf(text, kinds, indexes, keyStarts, keyEnds)})`,
        );
      }
      kinds.push(c);
      indexes.push(0);
      keyStarts.push(0);
      keyEnds.push(0);
      expectKey = c === 123;
    } else if (c === 125 || c === 93) {
      kinds.pop();
      indexes.pop();
      keyStarts.pop();
      keyEnds.pop();
    } else if (c === 44) {
      const top = kinds.length - 1;
      if (top >= 0 && kinds[top] === 91) indexes[top] = (indexes[top] ?? 0) + 1;
      expectKey = kinds[top] === 123;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      let risky = false;
      let digits = 0;
      for (; i < length; i++) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) digits++;
        else if (d === 101 || d === 69) risky = true;
        else if (d !== 45 && d !== 43 && d !== 46) break;
      }
      // Up to 15 significant digits and no exponent always round-trip through a double.
      if (!inexact && (risky || digits > 15) && !exactInDouble(text.slice(start, i))) inexact = true;
      i--;
    }
  }
  return { inexact };
}

const EXACT = Object.freeze({ inexact: false });

/** A digit before an exponent's `e`: where a number with an exponent could be. */
const EXPONENT = /(?<=[0-9])[eE]/;

/**
 * Whether the scan would find nothing, told from the whole text without following its strings: at most
 * MAX_JSON_DEPTH brackets opened in all (so none nests deeper), no number with an exponent (a digit before `e`) and
 * none of more than 15 digits (a run of 16 digits and points). Strings count too, so a text that fails this may
 * still be fine: it is scanned. Most documents pass, at a fraction of the scan's cost.
 */
function nothingToFind(text: string): boolean {
  let opened = 0;
  for (let at = text.indexOf('{'); at !== -1 && opened <= MAX_JSON_DEPTH; at = text.indexOf('{', at + 1))
    opened++;
  for (let at = text.indexOf('['); at !== -1 && opened <= MAX_JSON_DEPTH; at = text.indexOf('[', at + 1))
    opened++;
  return opened <= MAX_JSON_DEPTH && !EXPONENT.test(text) && !hasLongNumberRun(text);
}

const numberChar = (c: number) => (c >= 48 && c <= 57) || c === 46;

/**
 * Whether 16 or more digits and points stand in a row. Sixteen characters in a row hold two positions 8 apart that
 * are multiples of 8: only every 8th character is read, and where two such in a row are digits, their run is measured.
 */
export function hasLongNumberRun(text: string): boolean {
  const length = text.length;
  for (let at = 0; at + 8 < length; at += 8) {
    if (!numberChar(text.charCodeAt(at)) || !numberChar(text.charCodeAt(at + 8))) continue;
    let start = at;
    while (start > 0 && numberChar(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < length && numberChar(text.charCodeAt(end))) end++;
    if (end - start >= 16) return true;
  }
  return false;
}

/**
 * Where the string whose content starts at `from` ends: its closing quote (one not escaped: preceded by an even
 * number of backslashes), or the end of the text for an unterminated one.
 */
function closingQuote(text: string, from: number): number {
  for (let at = text.indexOf('"', from); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (at - backslashes - 1 >= from && text.charCodeAt(at - backslashes - 1) === 92) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return text.length;
}

/** The JSON pointer of the container being opened, from the scan's stack. */
function pointerOf(
  text: string,
  kinds: number[],
  indexes: number[],
  keyStarts: number[],
  keyEnds: number[],
): string {
  let pointer = '';
  for (let level = 0; level < kinds.length; level++) {
    let token: string;
    if (kinds[level] === 91) token = String(indexes[level] ?? 0);
    else {
      const start = keyStarts[level] ?? 0;
      const end = keyEnds[level] ?? 0;
      try {
        token = String(JSON.parse(text.slice(start, end)));
      } catch {
        token = text.slice(start, end);
      }
    }
    pointer += `/${token.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (pointer.length > 200) return `${pointer.slice(0, 200)}…`;
  }
  return pointer || '(document root)';
}
