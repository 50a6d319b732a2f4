import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { ConfigError } from '../lib/errors.ts';
import { avroOptions } from './logical-types.ts';

/**
 * The canonical schemas. Shared named types (Money, Address, …) are written once in `schemas/common/` and
 * inlined where a schema first uses them, as Avro IDL imports do, so every registered schema is self-contained.
 */
const schemasDir = dirname(fileURLToPath(import.meta.url));
const NAMESPACE = 'eai.canonical';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
}

/** Every named top-level type, from `common/` and the entity files, so events can embed entities by name. */
const commonTypes = new Map<string, Json>(
  [join(schemasDir, 'common'), schemasDir].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.avsc'))
      .map((f) => {
        const schema = readJson(join(dir, f)) as { name: string };
        return [`${NAMESPACE}.${schema.name}`, schema as Json] as const;
      }),
  ),
);

function fullName(name: string): string {
  return name.includes('.') ? name : `${NAMESPACE}.${name}`;
}

/** Replaces the first reference to each shared named type by its definition, depth first in document order. */
function inline(node: Json, defined: Set<string>): Json {
  if (typeof node === 'string') {
    const name = fullName(node);
    const common = commonTypes.get(name);
    if (common && !defined.has(name)) {
      defined.add(name);
      return inline(structuredClone(common), defined);
    }
    return node;
  }
  if (Array.isArray(node)) return node.map((n) => inline(n, defined));
  if (node && typeof node === 'object') {
    if (
      typeof node.name === 'string' &&
      (node.type === 'record' || node.type === 'enum' || node.type === 'fixed')
    ) {
      defined.add(fullName(node.name));
    }
    const out: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] =
        key === 'type' || key === 'items' || key === 'values' || key === 'fields'
          ? inline(value, defined)
          : value;
    }
    return out;
  }
  return node;
}

export function loadSchema(file: string): Json {
  const path = join(schemasDir, file);
  return inline(readJson(path), new Set());
}

export interface CanonicalSchema {
  /** Short name used by the CLI (`--type CustomerEvent`). */
  name: string;
  /** Avro full name. */
  fullName: string;
  /** The topic it travels on (subject `<topic>-value`). */
  topic: string;
  file: string;
  /** The Kafka key of a value: the entity's business key. */
  key: (value: Record<string, unknown>) => string;
  /** Where `key` reads it: the entity's field, and its id's field in that record. */
  keyPath: readonly [entity: string, id: string];
}

/** A schema's business key: its entity's id field, read from a value (`key`) and named (`keyPath`). */
const entityKey = (entity: string, id: string): Pick<CanonicalSchema, 'key' | 'keyPath'> => ({
  key: (value) => {
    const key = (value[entity] as Record<string, unknown> | undefined)?.[id];
    if (typeof key !== 'string' || key === '') throw new ConfigError(`${entity}.${id}: business key missing`);
    return key;
  },
  keyPath: [entity, id],
});

export const canonicalSchemas: CanonicalSchema[] = [
  {
    name: 'CustomerEvent',
    fullName: `${NAMESPACE}.CustomerEvent`,
    topic: 'canonical.customer',
    file: 'CustomerEvent.avsc',
    ...entityKey('customer', 'customerId'),
  },
  {
    name: 'SalesOrderEvent',
    fullName: `${NAMESPACE}.SalesOrderEvent`,
    topic: 'canonical.sales-order',
    file: 'SalesOrderEvent.avsc',
    ...entityKey('salesOrder', 'orderId'),
  },
  {
    name: 'ShipmentEvent',
    fullName: `${NAMESPACE}.ShipmentEvent`,
    topic: 'canonical.shipment',
    file: 'ShipmentEvent.avsc',
    ...entityKey('shipment', 'shipmentId'),
  },
  {
    name: 'CaseEvent',
    fullName: `${NAMESPACE}.CaseEvent`,
    topic: 'canonical.case',
    file: 'CaseEvent.avsc',
    ...entityKey('case', 'caseId'),
  },
];

/** Entity schemas that are not published alone but are checked and typed too. */
export const entitySchemaFiles = [
  'CustomerPartyMaster.avsc',
  'SalesOrder.avsc',
  'Shipment.avsc',
  'Case.avsc',
];

export function findSchema(nameOrFullName: string): CanonicalSchema {
  const found = canonicalSchemas.find((s) => s.name === nameOrFullName || s.fullName === nameOrFullName);
  if (!found) {
    throw new ConfigError(
      `unknown schema "${nameOrFullName}"; known: ${canonicalSchemas.map((s) => s.name).join(', ')}`,
    );
  }
  return found;
}

const typeCache = new Map<string, avro.Type>();

/** The avsc Type of a canonical schema file, with the canonical logical types. */
export function avroType(file: string): avro.Type {
  let type = typeCache.get(file);
  if (!type) {
    type = avro.Type.forSchema(loadSchema(file) as avro.Schema, avroOptions());
    typeCache.set(file, type);
  }
  return type;
}
