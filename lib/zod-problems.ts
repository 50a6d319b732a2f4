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
