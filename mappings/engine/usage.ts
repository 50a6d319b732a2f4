/**
 * Which input values a mapping used: the tree a reader built is wrapped in proxies that note every value read, so
 * after mapping, the values no expression touched can be counted and named (`eai map` says how many on stderr).
 *
 * A value is a leaf of the tree (string, number, boolean) other than `$loc`, empty strings and nulls; it counts as
 * used when an expression read it, directly, in a predicate, or by taking its whole node (`$string($)`, `$merge`).
 * Not counted: the raw `segments` mirror and the `envelope` of EDI trees, which hold the same elements again or
 * interchange control data that no business mapping reads, and a raw segment's tag and position (its `$loc`).
 *
 * A value a reader derived from others (an EDIFACT DTM's `iso` from its `value` and `format`) stands for them: a
 * mapping reads the derived one (`$at(dates[…])` reads `iso`), so reading it counts its sources as used too. The
 * reader names them in a non-enumerable `$derived` of the node (`{ iso: ['value', 'format'] }`, formats/derived.ts),
 * which stays out of the tree's JSON. A source that is a node (an IDoc text's `lines`, joined into its `text`) counts
 * every value under it. A derived value is not counted itself (nor listed when unread): it holds no fact its
 * sources do not, so a mapping that reads the sources directly left nothing out. Keys a reader marks structural
 * (`$structure`: an X12 856 HL's id, parent id and level code, which built the hierarchy) are no input values either.
 * A node's qualifiers (`$qualifiers`: X12 PID01, CUR01, MEA01, which only say how to read the node's other values)
 * count as read with any other value of their node: listing PID01 for every line whose description a mapping read
 * made the report cry wolf on every 850.
 * A value a reader moved up from where the document holds it (a CometD event's `replayId`) is named at its own place
 * (formats/derived.ts placedAt).
 */

import {
  type Derivations,
  derivationsOf,
  placeOf,
  QUALIFIER_KEY,
  STRUCTURE_KEY,
} from '../../formats/derived.ts';

const SKIPPED_KEYS = new Set(['segments', 'envelope']);

/**
 * A raw segment (`{ $loc, tag, elements, segment, line }`, formats/x12/segment.ts and formats/edifact/segment.ts), as
 * a tree keeps those no node of its reader takes (`otherSegments`): its `tag`, `segment` and `line` say which segment
 * it is and where it stands in the file, as its `$loc` does already (`TDT (segment 18, line 19)`), not values the
 * partner sent. Listing them as unused (`…: segment`, `…: line`, `…: tag`) counted them as facts a mapping drops;
 * its `elements` are what is listed.
 */
const SEGMENT_FRAME = new Set(['tag', 'segment', 'line']);
const isRawSegment = (value: object) =>
  typeof (value as { tag?: unknown }).tag === 'string' &&
  Array.isArray((value as { elements?: unknown }).elements);

export interface UnusedValue {
  /** The nearest located node (`ISA#1/GS#1/ST#1/TD3 (segment 9, line 9)`, `/events/0`). */
  location: string;
  /** The value's path below that node: `equipmentNumber`, `epcList[2]`. */
  field: string;
}

export interface UsageReport {
  total: number;
  unused: UnusedValue[];
}

interface Node {
  location: string;
  path: string;
  /** Keys (or indices) of leaf values not read yet. */
  unread: Set<string>;
  /** Derived key → the keys it was derived from (read with it). */
  derived?: Derivations;
}

const isLeaf = (value: unknown) =>
  (typeof value === 'string' && value !== '') || typeof value === 'number' || typeof value === 'boolean';

export class UsageTracker {
  private readonly nodes = new Map<object, Node>();
  private readonly proxies = new WeakMap<object, object>();
  private total = 0;

  /** Registers every node of `tree` and returns the proxy to map instead of it. */
  track<T>(tree: T): T {
    this.register(tree, '(document)', '');
    return this.wrap(tree);
  }

  report(): UsageReport {
    const unused: UnusedValue[] = [];
    for (const node of this.nodes.values()) {
      for (const key of node.unread) {
        const placed = placeOf(node.derived, key);
        if (placed) {
          unused.push(placed);
          continue;
        }
        const field = /^\d+$/.test(key) ? `${node.path}[${key}]` : node.path ? `${node.path}.${key}` : key;
        unused.push({ location: node.location, field });
      }
    }
    return { total: this.total, unused };
  }

  private register(value: unknown, location: string, path: string): void {
    if (!value || typeof value !== 'object' || this.nodes.has(value)) return;
    const own = (value as { $loc?: unknown }).$loc;
    const here = typeof own === 'string' ? own : location;
    const relative = typeof own === 'string' ? '' : path;
    const unread = new Set<string>();
    const derived = derivationsOf(value);
    const rawSegment = typeof own === 'string' && isRawSegment(value);
    for (const [key, child] of Object.entries(value)) {
      if (key === '$loc' || SKIPPED_KEYS.has(key)) continue;
      if (rawSegment && SEGMENT_FRAME.has(key)) continue;
      // A derived value is no input value of its own: its sources are (read through it or directly); nor is a
      // structural one. So neither is what lies under one that is a node (a list the reader restated).
      if (derived?.[key] || derived?.[STRUCTURE_KEY]?.includes(key)) continue;
      if (isLeaf(child)) unread.add(key);
      else {
        const childPath = Array.isArray(value)
          ? `${relative}[${key}]`
          : relative
            ? `${relative}.${key}`
            : key;
        this.register(child, here, childPath);
      }
    }
    this.total += unread.size;
    this.nodes.set(value, { location: here, path: relative, unread, ...(derived ? { derived } : {}) });
  }

  /** Every value under `value` counts as read (a derived value's source that is a node: an IDoc text's lines). */
  private readAll(value: unknown, seen = new Set<object>()): void {
    if (!value || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const node = this.nodes.get(value);
    if (!node) return;
    node.unread.clear();
    for (const child of Object.values(value)) this.readAll(child, seen);
  }

  private wrap<T>(value: T): T {
    if (!value || typeof value !== 'object') return value;
    const target = value as object;
    const cached = this.proxies.get(target);
    if (cached) return cached as T;
    const node = this.nodes.get(target);
    if (!node) return value;
    // A frozen node's properties must be returned as they are (a proxy invariant): proxy a thawed copy instead.
    const base = Object.isExtensible(target) ? target : Array.isArray(target) ? [...target] : { ...target };
    const proxy = new Proxy(base, {
      get: (t, key, receiver) => {
        const child = Reflect.get(t, key, receiver);
        if (typeof key !== 'string') return child;
        if (node.unread.has(key)) node.unread.delete(key);
        const qualifying = node.derived?.[QUALIFIER_KEY];
        if (qualifying && key !== '$loc' && !qualifying.includes(key) && Object.hasOwn(t, key))
          for (const qualifier of qualifying) node.unread.delete(qualifier);
        for (const source of node.derived?.[key] ?? []) {
          node.unread.delete(source);
          this.readAll(Reflect.get(t, source));
        }
        return this.wrap(child);
      },
    });
    this.proxies.set(target, proxy);
    return proxy as T;
  }
}
