import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/** A zod issue path as people write it: `config.topics[0].name`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/**
 * Every issue of a failed parse, one `field: message` each, so a config error names the field. Given the schema, an
 * unknown key (`maping:`) also names the likeliest key meant (`did you mean "mapping"?`).
 */
export function zodProblems(
  error: z.ZodError,
  prefix = '',
  schema?: z.ZodType,
): Array<{ path: string; message: string }> {
  return error.issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys')
      return [{ path: fieldPath(issue.path, prefix), message: issueMessage(issue) }];
    // One problem per unknown key, at the key's own path (`formt: unknown key; did you mean "format"?`), as a
    // misspelt value's problem is at its path.
    const known = schema ? keysAt(schema, issue.path) : [];
    return issue.keys.map((key) => {
      const hint = meant(key, known);
      return {
        path: fieldPath([...issue.path, key], prefix),
        message: hint ? `unknown key; ${hint}` : 'unknown key',
      };
    });
  });
}

const KINDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'a map',
};

/**
 * zod's message, except for a field left out: zod says `Invalid input: expected string, received undefined`, which
 * reads as if something wrong had been written; it is `missing: a string is required`.
 */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message))
    return `missing: ${KINDS[issue.expected] ?? issue.expected} is required`;
  return issue.message;
}

/** `did you mean "mapping"?` for a key close to one the schema has (a slip of a letter or two), else undefined. */
export function meant(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const near = closest(
    key.toLowerCase(),
    known.map((k) => k.toLowerCase()),
  );
  const index = known.findIndex((k) => k.toLowerCase() === near);
  // A slip: one letter in a short word (Title is not ville, Tags not pays), two in a longer one, a quarter beyond; two
  // letters swapped (nmae) are one slip.
  const limit = key.length <= 5 ? 1 : key.length <= 10 ? 2 : Math.floor(key.length / 4);
  const typed = key.toLowerCase();
  const slips = swappedOnce(typed, near) ? 1 : distance(typed, near);
  return slips <= limit ? `did you mean "${known[index]}"?` : undefined;
}

/**
 * The `count` names of `known` nearest to `key`, nearest first: those sharing the most words with it (split at
 * anything but letters and digits: `edi/x12-850.yaml` shares edi, x12, 850 with `edi/x12-850.to-canonical.yaml`),
 * then by edit distance, case ignored. What to offer when no name is a mere slip away (`meant`) and the whole list
 * would be too long to read.
 */
export function nearest(key: string, known: readonly string[], count = 3): string[] {
  const typed = key.toLowerCase();
  const words = new Set(typed.split(/[^a-z0-9]+/).filter(Boolean));
  return known
    .map((name) => {
      const lower = name.toLowerCase();
      const shared = new Set(lower.split(/[^a-z0-9]+/).filter((w) => words.has(w))).size;
      return { name, shared, slips: distance(typed, lower) };
    })
    .sort((a, b) => b.shared - a.shared || a.slips - b.slips || a.name.localeCompare(b.name))
    .slice(0, count)
    .map((e) => e.name);
}

/** Whether `a` is `b` with two neighbouring letters swapped. */
function swappedOnce(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/**
 * The keys of the object schema at `path` inside `schema` (through optional, default, arrays, records; a union's
 * options together), or [].
 */
export function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  const def: Record<string, unknown> & { type: string } = (
    schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } }
  )._zod.def;
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  if (inner) return keysAt(inner as z.ZodType, path);
  if (def.type === 'union') {
    return [...new Set((def.options as z.ZodType[]).flatMap((option) => keysAt(option, path)))];
  }
  if (path.length === 0) return def.type === 'object' ? Object.keys(def.shape as object) : [];
  const [part, ...rest] = path;
  let next: z.ZodType | undefined;
  if (def.type === 'object') next = (def.shape as Record<string, z.ZodType>)[String(part)];
  else if (def.type === 'array') next = def.element as z.ZodType;
  else if (def.type === 'record') next = def.valueType as z.ZodType;
  return next ? keysAt(next, rest) : [];
}

export function zodProblemText(error: z.ZodError, prefix = '', schema?: z.ZodType): string {
  return zodProblems(error, prefix, schema)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The keys of `input` that a zod object schema dropped from `output` (zod strips keys it does not know), as paths
 * of keys (`fieldPath` writes one): a misspelt option (`patern:`) would otherwise be ignored without a word. Walks objects and arrays where
 * input and output have the same shape; a value a transform replaced is not looked into.
 */
export function strippedKeys(
  input: unknown,
  output: unknown,
  parts: ReadonlyArray<string | number> = [],
): Array<Array<string | number>> {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((item, i) => strippedKeys(item, output[i], [...parts, i]));
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return [];
  return Object.entries(input).flatMap(([key, value]) =>
    Object.hasOwn(output, key) ? strippedKeys(value, output[key], [...parts, key]) : [[...parts, key]],
  );
}
