import { readFileSync } from 'node:fs';
import { FieldError } from './errors.ts';

/**
 * Secrets and key material from the environment: a variable's value, or the file its `_FILE` twin names (as
 * Kubernetes and Docker mount secrets, and as the official images' `POSTGRES_PASSWORD_FILE` read them). An error
 * names the variable and the path, never the content.
 */

/** A file a variable names, read whole; unreadable, it is a FieldError naming the variable and the path. */
export function readNamedFile(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const words = code ? FILE_ERRORS[code] : undefined;
    throw new FieldError(
      variable,
      `cannot read ${path}${words ? `: ${words}` : ''} (${code ?? (error as Error).message})`,
    );
  }
}

/** What a file read's commonest error codes mean, for the one line a user reads. */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
};

/**
 * A secret from `NAME` or from the file `NAME_FILE` names (its content, without the trailing newline); both set is
 * an error naming both. Undefined when neither is set (or empty).
 */
export function secretFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name] || undefined;
  const file = env[`${name}_FILE`]?.trim() || undefined;
  if (value !== undefined && file !== undefined)
    throw new FieldError(`${name}_FILE`, `set together with ${name}: keep one of them`);
  if (file === undefined) return value;
  const text = readNamedFile(`${name}_FILE`, file).replace(/\r?\n$/, '');
  if (!text) throw new FieldError(`${name}_FILE`, `${file} is empty`);
  return text;
}
