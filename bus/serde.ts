import type avro from 'avsc';
import { isoCalendarProblem } from '../formats/text-input/calendar.ts';
import { NonRetriableError, quotedValue } from '../lib/errors.ts';
import {
  type AvroWriter,
  avroWriter,
  avscMessage,
  type BodyWriter,
  type ValueEncoder,
} from '../schemas/avro-writer.ts';
import { avroType, type CanonicalSchema, loadSchema } from '../schemas/catalog.ts';
import type { RegistryClient } from './registry.ts';
import { unframe, writeWireHeader } from './wire.ts';

let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * A body written once, after the 5-byte wire header, into a reused scratch buffer, then one exact-size copy out with
 * the header; past the scratch's end, written again into a larger one.
 */
function framed(id: number, body: BodyWriter): Buffer {
  let end = body(scratch, 5);
  if (end > scratch.length) {
    scratch = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(end)));
    end = body(scratch, 5);
  }
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 5, 5, end);
  writeWireHeader(out, id);
  return out;
}

/**
 * A value that does not fit its schema; lists every offending field path (`details`: each with what it holds and
 * what the schema expects there, so a record written by hand can be put right from the message alone).
 */
export class SchemaValidationError extends NonRetriableError {
  readonly paths: string[];
  constructor(schema: string, paths: string[], details: string[] = paths) {
    super(`value does not match ${schema}: invalid field(s) ${details.join(', ')}`);
    this.paths = paths;
  }
}

/** A value as the message shows it: `missing`, or its JSON, cut short, marked as a document's value (`quotedValue`). */
export function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  return quotedValue(value, 39);
}

/** What a field of this Avro type takes, in the JSON the bus publishes. */
function expected(type: avro.Type): string {
  const t = type as avro.Type & {
    symbols?: string[];
    types?: avro.Type[];
    precision?: number;
    scale?: number;
  };
  const name = t.typeName;
  if (name === 'enum') {
    const symbols = t.symbols ?? [];
    return `one of ${symbols.slice(0, 10).join(', ')}${symbols.length > 10 ? ', …' : ''}`;
  }
  if (name.startsWith('union')) return (t.types ?? []).map(expected).join(' or ');
  if (name === 'record') return `a ${(t.name ?? '').split('.').pop()} record`;
  if (name === 'logical:decimal')
    return `a decimal as a string with at most ${t.scale ?? 0} decimals, e.g. "12.5"`;
  if (name === 'logical:timestamp-millis')
    return 'a time in ISO 8601 with its zone, e.g. "2026-12-01T08:00:00Z"';
  if (name === 'logical:date') return 'a date, e.g. "2026-12-01"';
  if (name === 'array') return 'an array';
  if (name === 'map') return 'an object';
  return name.replace(/^logical:/, '');
}

/** A date or time field (or a union holding one): a text there is checked against the calendar. */
function takesCalendar(type: avro.Type): boolean {
  const name = type.typeName;
  if (name === 'logical:date' || name === 'logical:timestamp-millis') return true;
  return name.startsWith('union') && ((type as { types?: avro.Type[] }).types ?? []).some(takesCalendar);
}

/** One field of a value that does not fit its schema: its path, what it holds, and what is wrong with that. */
export interface SchemaFieldProblem {
  path: string;
  found: unknown;
  /** `expected <what the schema takes there>`, or for a date that does not exist what the calendar says. */
  problem: string;
}

/**
 * Checks a value against its canonical schema, with no registry: a SchemaValidationError naming each bad field path,
 * what it holds and what the schema expects there.
 */
export function validateCanonical(schema: CanonicalSchema, value: unknown): void {
  const problems = schemaProblems(avroType(schema.file), value);
  if (problems.length > 0)
    throw new SchemaValidationError(
      schema.fullName,
      problems.map((p) => p.path),
      problems.map((p) => `${p.path} (${shown(p.found)}, ${p.problem})`),
    );
}

/**
 * Every field of `value` that `type` refuses. A date or time that is written right but does not exist (30 February,
 * hour 24) says so as the formats' readers do (`February has no day 30`), not only which shape was expected.
 */
export function schemaProblems(type: avro.Type, value: unknown): SchemaFieldProblem[] {
  const problems: SchemaFieldProblem[] = [];
  type.isValid(value, {
    errorHook: (path, found, fieldType) => {
      const calendar =
        typeof found === 'string' && takesCalendar(fieldType) ? isoCalendarProblem(found) : undefined;
      problems.push({
        path: path.join('.') || '(root)',
        found,
        problem: calendar ?? `expected ${expected(fieldType)}`,
      });
    },
  });
  return problems;
}

export interface Decoded {
  schemaId: number;
  /** Avro full name of the writer's schema. */
  schemaName: string;
  value: unknown;
}

/**
 * Avro + schema registry serializer for canonical values, subjects by TopicNameStrategy (`<topic>-value`, of the
 * topic as it is on the cluster: with the deployment's prefix, transport/prefix.ts).
 */
export class AvroSerde {
  private readonly registry: RegistryClient;
  private readonly prefix: string;
  /** Schema id per subject and schema file: the registry is asked once per process, not per record. */
  private readonly ids = new Map<string, Promise<number>>();
  constructor(registry: RegistryClient, prefix = '') {
    this.registry = registry;
    this.prefix = prefix;
  }

  private schemaId(subject: string, schema: CanonicalSchema): Promise<number> {
    const cacheKey = `${subject}\u0000${schema.file}`;
    let id = this.ids.get(cacheKey);
    if (!id) {
      id = this.registry.register(subject, loadSchema(schema.file) as object);
      id.catch(() => this.ids.delete(cacheKey));
      this.ids.set(cacheKey, id);
    }
    return id;
  }

  /** Checks the value against the schema, naming each bad field path, what it holds and what it should. */
  validate(schema: CanonicalSchema, value: unknown): void {
    validateCanonical(schema, value);
  }

  async encode(topic: string, schema: CanonicalSchema, value: unknown): Promise<Buffer> {
    return (await this.encoder(topic, schema))(value);
  }

  /**
   * Registers (or finds) the schema once; the function it resolves to encodes synchronously, for batches. Its
   * `framed` frames a body written by other code for the same schema (what it throws, it throws).
   */
  async encoder(topic: string, schema: CanonicalSchema): Promise<ValueEncoder> {
    const id = await this.schemaId(`${this.prefix}${topic}-value`, schema);
    const write = avroWriter(avroType(schema.file));
    const encode: ValueEncoder = (value) => this.frame(id, write, schema, value);
    encode.framed = (body) => framed(id, body);
    return encode;
  }

  private frame(id: number, write: AvroWriter, schema: CanonicalSchema, value: unknown): Buffer {
    try {
      return framed(id, (buf, pos) => write(value, buf, pos));
    } catch {
      this.validate(schema, value);
      throw new SchemaValidationError(schema.fullName, ['(unknown)']);
    }
  }

  async decode(bytes: Buffer | null): Promise<Decoded> {
    const { schemaId, body } = unframe(bytes);
    const type: avro.Type = await this.registry.typeById(schemaId);
    try {
      return { schemaId, schemaName: type.name ?? '', value: type.fromBuffer(body) };
    } catch (error) {
      // Without avsc's error as its cause: its message quotes the value unmarked, and pino's serializer appends a
      // cause's message to the logged one.
      throw new NonRetriableError(
        `cannot decode Avro body with schema id ${schemaId}: ${avscMessage((error as Error).message)}`,
      );
    }
  }
}
