/**
 * Where JSON text stops being JSON (RFC 8259), for the error path only: V8's JSON.parse names the position of most
 * faults, but not of an unexpected token (`Unexpected token 'I', "ISA*00*   "... is not valid JSON`: an X12 file sent
 * to a JSON format, a bare word, a truncated literal), whose line and column would otherwise be guessed.
 * One pass, no recursion (nesting depth is not limited here), nothing built.
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX = /^[0-9a-fA-F]$/;

/** The offset of the first character that cannot continue the JSON text (its length when the text ends too soon); undefined for valid JSON. */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  // Open containers, innermost last: '{' or '['.
  const open: string[] = [];
  const skipWhitespace = () => {
    while (i < n && WHITESPACE.has(text[i] as string)) i++;
  };
  // A string starting at i: its end (after the closing quote), or the offset of its fault.
  const string = (): number | undefined => {
    if (text[i] !== '"') return undefined;
    for (let j = i + 1; j < n; j++) {
      const c = text[j] as string;
      if (c === '"') return j + 1;
      if (c.charCodeAt(0) < 0x20) return -j - 1;
      if (c === '\\') {
        const e = text[j + 1];
        if (e === 'u') {
          for (let k = j + 2; k < j + 6; k++) if (!HEX.test(text[k] ?? '')) return -k - 1;
          j += 5;
        } else if (e !== undefined && ESCAPES.has(e)) j++;
        else return -(j + 1) - 1;
      }
    }
    return -n - 1;
  };
  // A key and its colon at i (inside an object): the offset of the fault, or undefined with i after the colon.
  const key = (): number | undefined => {
    const end = string();
    if (end === undefined) return i;
    if (end < 0) return -end - 1;
    i = end;
    skipWhitespace();
    if (text[i] !== ':') return i;
    i++;
    return undefined;
  };
  for (;;) {
    // A value.
    skipWhitespace();
    const c = text[i];
    if (c === '{' || c === '[') {
      open.push(c);
      i++;
      skipWhitespace();
      if (text[i] === (c === '{' ? '}' : ']')) {
        open.pop();
        i++;
      } else {
        if (c === '{') {
          const fault = key();
          if (fault !== undefined) return fault;
        }
        continue;
      }
    } else if (c === '"') {
      const end = string() as number;
      if (end < 0) return -end - 1;
      i = end;
    } else if (c === 't' || c === 'f' || c === 'n') {
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
      for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) return i;
    } else {
      const end = number(text, i);
      if (end < 0) return -end - 1;
      i = end;
    }
    // After a value: a separator, the end of containers, or the end of the text.
    for (;;) {
      skipWhitespace();
      const top = open[open.length - 1];
      if (top === undefined) return i === n ? undefined : i;
      const d = text[i];
      if (d === ',') {
        i++;
        if (top === '{') {
          skipWhitespace();
          const fault = key();
          if (fault !== undefined) return fault;
        }
        break;
      }
      if (d !== (top === '{' ? '}' : ']')) return i;
      open.pop();
      i++;
    }
  }
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** A number starting at `start`: its end, or -(offset of the first character that breaks it) - 1. */
function number(text: string, start: number): number {
  let j = start;
  if (text[j] === '-') j++;
  if (text[j] === '0') j++;
  else if (isDigit(text[j])) while (isDigit(text[j])) j++;
  else return -j - 1;
  if (text[j] === '.') {
    j++;
    if (!isDigit(text[j])) return -j - 1;
    while (isDigit(text[j])) j++;
  }
  if (text[j] === 'e' || text[j] === 'E') {
    j++;
    if (text[j] === '+' || text[j] === '-') j++;
    if (!isDigit(text[j])) return -j - 1;
    while (isDigit(text[j])) j++;
  }
  return j;
}
