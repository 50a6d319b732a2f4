/**
 * Values as a jsonb column gives them back (through JSON, object keys in jsonb's order), worked out in memory: the
 * matcher keeps a batch's records in this form, so that survivorship sees a record of the batch exactly as it will
 * see it when read back (store.ts).
 */

/** jsonb's order of object keys: shorter first, then bytewise. */
function jsonbKeyOrder(a: string, b: string): number {
  return Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The jsonb order of an object's keys, remembered by the keys as given (bounded): records repeat a few shapes,
 * and sorting by byte length and bytes on every object was a twentieth of the matcher's CPU time.
 */
const keyOrders = new Map<string, string[]>();
function jsonbKeys(keys: string[]): string[] {
  // Joined by U+0000, which no jsonb key can hold (PostgreSQL refuses it), so two shapes never join alike.
  const shape = keys.join('\u0000');
  let order = keyOrders.get(shape);
  if (!order) {
    order = [...keys].sort(jsonbKeyOrder);
    if (keyOrders.size >= 10_000) keyOrders.clear();
    keyOrders.set(shape, order);
  }
  return order;
}

function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of jsonbKeys(Object.keys(value))) out[k] = reorder((value as Record<string, unknown>)[k]);
  return out;
}

/** The old way, kept for what the walk below does not take on: through JSON text and back. */
const throughJson = (value: unknown): unknown => reorder(JSON.parse(JSON.stringify(value)));

/** Not plain data (a Date, a class instance, a boxed value, a bigint): left to JSON.stringify's own rules. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

/**
 * What JSON.stringify then JSON.parse make of a plain value, in one walk: no JSON text is written or read (the
 * round trip was a twentieth of the matcher's CPU time). Object members that JSON drops (undefined, functions,
 * symbols) are left out, and in arrays they become null, as are numbers JSON cannot write.
 */
function copy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null; // + 0: -0 comes back as 0
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_PLAIN;
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const v = copy(value[i]);
          out[i] = v === undefined ? null : v;
        }
        return out;
      }
      const proto = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) throw NOT_PLAIN;
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const kept: string[] = [];
      const copies: unknown[] = [];
      for (const k of Object.keys(source)) {
        const v = copy(source[k]);
        if (v === undefined) continue;
        kept.push(k);
        copies.push(v);
      }
      if (kept.length === 0) return out;
      const order = jsonbKeys(kept);
      for (const k of order) out[k] = copies[kept.indexOf(k)];
      return out;
    }
    case 'bigint':
      throw NOT_PLAIN;
    default:
      return undefined; // undefined, function, symbol
  }
}

/** A value as it comes back from a jsonb column: through JSON, its object keys in jsonb's order. */
export function asJsonb<T>(value: T): T {
  try {
    const out = copy(value);
    if (out === undefined) return throughJson(value) as T; // JSON has no text for it: fail as before
    return out as T;
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return throughJson(value) as T;
  }
}
