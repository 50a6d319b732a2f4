/**
 * Records by the values of the fields looked up, so that a lookup by value (HubSpot's upsert by a unique property,
 * Salesforce's by an external id) finds its records without a walk of every record (a batch of 100 into an org of
 * 100,000 records walked ten million): field → value → the records that held it. Filled from a collection of records
 * (one object of id → record: a state's contacts, an sObject type's records) at its first lookup of the field, then
 * by every value set (`add`, which the simulator calls wherever it sets a record's fields). An entry is removed only
 * by `remove` (an erasure), so a lookup checks that its candidates still hold the value, are still of the
 * collection, and are live: what the simulator's own `find…` does with `candidates`.
 */
export interface ValueIndex<R extends object> {
  /** The records of `records` that held `value` under `field` (a superset: stale entries are left in). */
  candidates(records: Record<string, R>, field: string, value: string): ReadonlySet<R>;
  /** Indexes `record` under `field`, or under every field looked up so far; a field not looked up yet is skipped. */
  add(record: R, field?: string): void;
  /** Takes `record` out of every field's entries (an erased record: nothing of it stays). */
  remove(record: R): void;
}

/** An index whose `keysOf(field, record)` says the values a record is found by under a field (none: not found). */
export function createValueIndex<R extends object>(
  keysOf: (field: string, record: R) => string[],
): ValueIndex<R> {
  const fields = new Map<string, { values: Map<string, Set<R>>; filled: WeakSet<object> }>();
  const addTo = (values: Map<string, Set<R>>, field: string, record: R) => {
    for (const key of keysOf(field, record)) {
      const holders = values.get(key);
      if (holders) holders.add(record);
      else values.set(key, new Set([record]));
    }
  };
  return {
    candidates(records, field, value) {
      let index = fields.get(field);
      if (!index) {
        index = { values: new Map(), filled: new WeakSet() };
        fields.set(field, index);
      }
      if (!index.filled.has(records)) {
        for (const record of Object.values(records)) addTo(index.values, field, record);
        index.filled.add(records);
      }
      return index.values.get(value) ?? new Set();
    },
    add(record, field) {
      if (field === undefined) for (const [name, index] of fields) addTo(index.values, name, record);
      else {
        const index = fields.get(field);
        if (index) addTo(index.values, field, record);
      }
    },
    remove(record) {
      for (const index of fields.values())
        for (const [value, holders] of index.values)
          if (holders.delete(record) && holders.size === 0) index.values.delete(value);
    },
  };
}
