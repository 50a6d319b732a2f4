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

/** Every issue of a failed parse, one `field: message` each, so a config error names the field. */
export function zodProblems(error: z.ZodError, prefix = ''): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: fieldPath(issue.path, prefix), message: issue.message }));
}

export function zodProblemText(error: z.ZodError, prefix = ''): string {
  return zodProblems(error, prefix)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The keys of `input` that a zod object schema dropped from `output` (zod strips keys it does not know), as field
 * paths: a misspelt option (`patern:`) would otherwise be ignored without a word. Walks objects and arrays where
 * input and output have the same shape; a value a transform replaced is not looked into.
 */
export function strippedKeys(input: unknown, output: unknown, prefix = ''): string[] {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((item, i) => strippedKeys(item, output[i], `${prefix}[${i}]`));
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return [];
  return Object.entries(input).flatMap(([key, value]) => {
    const path = fieldPath([key], prefix);
    return key in output ? strippedKeys(value, output[key], path) : [path];
  });
}
