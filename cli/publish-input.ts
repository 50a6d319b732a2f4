import { readFileSync } from 'node:fs';
import type { PublishInput } from '../bus/index.ts';
import { checkTopicSchema } from '../bus/topics.ts';
import { ConfigError } from '../lib/errors.ts';
import { canonicalSchemas, findSchema } from '../schemas/catalog.ts';
import { readStdin } from './stdin.ts';

/**
 * What `eai bus publish` accepts: one bare value, an array of bare values (both need `--type`), or what `eai map`
 * prints, an array of `{schema, key, value}` records, each published with its own schema and key.
 */
interface MappedRecord {
  schema: string;
  key?: string;
  /** A key that is not UTF-8, as `eai bus tail` prints it. */
  keyBase64?: string;
  value: unknown;
}

function isMappedRecord(item: unknown): item is MappedRecord {
  return (
    !!item &&
    typeof item === 'object' &&
    !Array.isArray(item) &&
    typeof (item as MappedRecord).schema === 'string' &&
    'value' in item
  );
}

export function toPublishInputs(
  parsed: unknown,
  options: { topic: string; type?: string; key?: string },
): PublishInput[] {
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0) throw new ConfigError('nothing to publish: the input is an empty array');
  const type = options.type ? findSchema(options.type) : undefined;
  return items.map((item, index) => {
    const schema = isMappedRecord(item) ? findSchema(item.schema) : type;
    if (!schema) {
      throw new ConfigError(
        `--type is required for bare values (one of ${canonicalSchemas.map((s) => s.name).join(', ')}); eai map output names its schema itself`,
      );
    }
    if (type && schema.fullName !== type.fullName) {
      throw new ConfigError(`record ${index} is a ${schema.name}, but --type says ${type.name}`);
    }
    checkTopicSchema(options.topic, schema);
    // A binary key (as eai bus tail prints it) cannot be written as text: refused, not published under another key.
    if (options.key === undefined && isMappedRecord(item) && typeof item.keyBase64 === 'string') {
      throw new ConfigError(
        `record ${index} has a binary key (keyBase64), which eai bus publish cannot write: give --key, or copy the topic with a Kafka client`,
      );
    }
    const key = options.key ?? (isMappedRecord(item) ? item.key : undefined);
    return {
      schema: schema.name,
      topic: options.topic,
      value: isMappedRecord(item) ? item.value : item,
      ...(key === undefined ? {} : { key }),
    };
  });
}

/**
 * The JSON to publish: from a file, or from stdin with `--input -` or no `--input` when stdin is piped; one JSON
 * text, or JSON lines (`eai bus tail … | eai bus publish <topic>`).
 */
export async function readPublishJson(input: string | undefined, stdin = process.stdin): Promise<unknown> {
  let text: string;
  let where: string;
  if (input === undefined || input === '-') {
    if (input === undefined && stdin.isTTY) {
      throw new ConfigError(
        'nothing to publish: give --input FILE, or pipe JSON to stdin (e.g. eai map … |)',
      );
    }
    text = (await readStdin(stdin)).toString('utf8');
    where = 'stdin';
    if (text.trim() === '') throw new ConfigError('nothing to publish: stdin was empty');
  } else {
    where = input;
    try {
      text = readFileSync(input, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ConfigError(`input file ${input} not found`);
      }
      throw new ConfigError(`input file ${input}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const lines = jsonLines(text, where);
    if (lines) return lines;
    throw new ConfigError(`${where}: not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Text of one JSON value a line (JSON lines, as `eai bus tail` prints records: each has its schema, key and value),
 * as the array of those values; undefined when it is one broken JSON text instead (its first line no JSON of its own).
 */
function jsonLines(text: string, where: string): unknown[] | undefined {
  const lines = text.split(/\r?\n/);
  const values: unknown[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line) as unknown);
    } catch (error) {
      if (values.length === 0) return undefined;
      throw new ConfigError(
        `${where} line ${index + 1}: not valid JSON: ${(error as Error).message} (JSON lines: one value a line)`,
      );
    }
  }
  return values.length > 1 ? values : undefined;
}
