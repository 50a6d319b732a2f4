import { quotedValue } from '../../lib/errors.ts';
import { isoCalendarProblem } from '../text-input/calendar.ts';
import { decodeHtmlReferences } from '../text-input/html-text.ts';
import { jsonDecimal } from '../text-input/json-number.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError } from '../types.ts';

/** A many2one value `[id, "display name"]`. */
export interface Ref {
  $loc: string;
  id: number;
  name: string;
}

/** Odoo sends `false` for every empty field, whatever its type. */
export function empty(value: unknown): boolean {
  return value === false || value === null || value === undefined;
}

/**
 * How Odoo's JSON-RPC writes field values (search_read / read results), read for one format: each reader names
 * its format and the JSON pointer of the field in its errors.
 */
export function odooFields(format: string) {
  const fail = (loc: string, message: string): never => {
    throw new FormatError(format, loc, message);
  };

  function ref(record: JsonObject, key: string, loc: string): Ref | null {
    const value = record[key];
    if (empty(value)) return null;
    if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[1] !== 'string') {
      fail(ptr(loc, key), `${key} must be a many2one [id, "name"] or false`);
    }
    return { $loc: ptr(loc, key), id: (value as [number])[0], name: (value as [number, string])[1] };
  }

  function text(record: JsonObject, key: string, loc: string): string | null {
    const value = record[key];
    if (empty(value)) return null;
    if (typeof value !== 'string') fail(ptr(loc, key), `${key} must be a string`);
    return value as string;
  }

  /**
   * An Html field (sale.order `note` since Odoo 16: `<p>Payment in 30 days</p>`) as plain text: paragraphs and
   * line breaks as new lines, tags dropped, character references decoded. A Text field (older Odoo) as it is.
   */
  function html(record: JsonObject, key: string, loc: string): string | null {
    const value = text(record, key, loc);
    if (value === null || !value.includes('<'))
      return value === null ? null : decodeHtmlReferences(value).trim() || null;
    const plain = decodeHtmlReferences(
      value
        .replace(/<br\s*\/?>/gi, '\n')
        .replace(/<\/(p|div|li|h[1-6]|tr|blockquote|pre)\s*>/gi, '\n')
        .replace(/<[^>]*>/g, ''),
    )
      .split('\n')
      .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
      .filter(Boolean)
      .join('\n');
    return plain || null;
  }

  /** Money and quantities as exact decimal strings: the digits Odoo wrote, never through a double. */
  function decimal(record: JsonObject, key: string, loc: string): string | null {
    const value = record[key];
    if (empty(value)) return null;
    return jsonDecimal(format, ptr(loc, key), key, value);
  }

  /** Odoo's `YYYY-MM-DD HH:MM:SS` (UTC) → ISO 8601 with Z. */
  function datetime(record: JsonObject, key: string, loc: string): string | null {
    const value = text(record, key, loc);
    if (value === null) return null;
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
    const iso = m ? `${m[1]}T${m[2]}Z` : '';
    if (!m || Number.isNaN(Date.parse(iso)))
      fail(ptr(loc, key), `${key} is not an Odoo datetime (YYYY-MM-DD HH:MM:SS): ${value}`);
    const problem = isoCalendarProblem(iso);
    if (problem) fail(ptr(loc, key), `${key} ${value}: ${problem}`);
    return iso;
  }

  /** The record id: a whole number. */
  function recordId(record: JsonObject, loc: string): number {
    if (typeof record.id !== 'number' || !Number.isSafeInteger(record.id))
      fail(ptr(loc, 'id'), `id must be a whole-number record id, got ${quotedValue(record.id) ?? 'nothing'}`);
    return record.id as number;
  }

  /**
   * The record list of a JSON-RPC response envelope `{"jsonrpc","id","result":[…]}` (a fault refused with its
   * message and exception name) or of a bare search_read result, or of the web client's `{length, records}` answer
   * (`/web/dataset/search_read`, `web_search_read`), with the pointer of the list.
   */
  function resultList(root: unknown): { list: unknown[]; base: string } {
    let list: unknown = root;
    let base = '';
    if (isObject(root)) {
      if (isObject(root.error)) {
        const data = isObject(root.error.data) ? root.error.data : {};
        const message = [root.error.message, data.name, data.message]
          .filter((m) => typeof m === 'string')
          .join(': ');
        fail('/error', `JSON-RPC error ${String(root.error.code ?? '')}: ${message}`);
      }
      if (!('result' in root)) fail('', 'neither a JSON-RPC response nor a search_read result list');
      list = root.result;
      base = '/result';
    }
    // The web client's reads (`/web/dataset/search_read`, `web_search_read`) answer `{"length": n, "records": […]}`.
    if (isObject(list) && Array.isArray(list.records)) {
      list = list.records;
      base = ptr(base, 'records');
    }
    if (!Array.isArray(list))
      fail(base, "search_read result must be a list of records (or web_search_read's {length, records})");
    return { list: list as unknown[], base };
  }

  return { fail, ref, text, html, decimal, datetime, recordId, resultList };
}
