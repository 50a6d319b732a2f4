import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, FieldError, type FieldProblem } from '../../lib/errors.ts';

/**
 * Secrets in connector config are references, resolved when a task starts and held only in memory:
 * `${env:NAME}` reads an environment variable, `${file:path}` a file (relative to the deployment folder, trailing
 * newline dropped). The config that is stored on Kafka, returned by the API and logged keeps the references. A
 * literal secret is accepted (as Kafka Connect accepts one) but stored on Kafka as written: the runtime warns, naming
 * the fields (`literalSecrets`); the API and logs show it `[redacted]`.
 */
const REFERENCE = /\$\{(env|file):([^}]+)\}/g;

export function hasReference(value: string): boolean {
  REFERENCE.lastIndex = 0;
  return REFERENCE.test(value);
}

/**
 * Resolves every reference in a config tree; references that do not resolve are named all at once, each with its
 * field (a FieldError for one, a ConfigError listing them for several), so a deployment missing two variables says so.
 */
export function resolveSecrets(value: unknown, baseDir: string, path = ''): unknown {
  const problems: FieldProblem[] = [];
  const resolved = resolveIn(value, baseDir, path, problems);
  if (problems.length === 1) throw new FieldError(problems[0]!.field, problems[0]!.problem);
  if (problems.length > 1)
    throw new ConfigError(problems.map((p) => `${p.field}: ${p.problem}`).join('; '), { fields: problems });
  return resolved;
}

function resolveIn(value: unknown, baseDir: string, path: string, problems: FieldProblem[]): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (match, kind: string, name: string) => {
      const field = path || '(root)';
      if (kind === 'env') {
        const found = process.env[name];
        // Resolved where the task runs: a variable exported in the shell of `eai connectors apply` is not the hub's.
        if (found !== undefined) return found;
        problems.push({
          field,
          problem: `environment variable ${name} is not set in the hub's environment (the process running eai up)`,
        });
        return match;
      }
      try {
        return readFileSync(resolve(baseDir, name), 'utf8').replace(/\r?\n$/, '');
      } catch (error) {
        problems.push({ field, problem: `secret file ${name} cannot be read: ${(error as Error).message}` });
        return match;
      }
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveIn(v, baseDir, `${path}[${i}]`, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveIn(v, baseDir, path ? `${path}.${k}` : k, problems)]),
    );
  }
  return value;
}

const SECRET_KEY = /secret|password|passwd|token|api[-_]?key|credential|private[-_]?key/i;

/**
 * Whether a field holds a secret by its name, or by its parent's: the `value` of an auth header (`authHeader: {name,
 * value}`) is the credential, though `value` says nothing.
 */
export function isSecretField(key: string, parent: string): boolean {
  return SECRET_KEY.test(key) || (key === 'value' && /auth/i.test(parent));
}

/**
 * A config as it may be shown (API, logs, Kafka): references stay as written, literal values of fields whose name
 * says secret (password, token, apiKey, …, an auth header's value) are replaced by `[redacted]`.
 */
export const REDACTED = '[redacted]';

export function redactConfig(value: unknown, key = '', parent = ''): unknown {
  if (typeof value === 'string') return isSecretField(key, parent) && !hasReference(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, key, parent));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k, key)]));
  }
  return value;
}

/**
 * A config sent back as the API showed it (GET, change a field, PUT: Kafka Connect's way) holds `[redacted]` where a
 * secret was written out: each such secret field takes the value stored at the same place, so the secret is kept
 * instead of being replaced by the word `[redacted]` (which the connector would then send as its credential). One with
 * no stored secret at its place (a new connector, a moved field) is named in `problems`: there is nothing to keep.
 */
export function keepRedactedSecrets(
  value: unknown,
  stored: unknown,
  path = '',
): { value: unknown; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const walk = (v: unknown, s: unknown, p: string, k: string, parentKey: string): unknown => {
    if (typeof v === 'string') {
      if (v !== REDACTED || !isSecretField(k, parentKey)) return v;
      if (typeof s === 'string' && s !== REDACTED && !hasReference(s)) return s;
      problems.push({
        field: p || '(root)',
        problem:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference syntax, shown to the operator
          '[redacted] stands for a secret the API does not show, and this connector has none stored here to keep: write the secret, or ${env:NAME} or ${file:path}',
      });
      return v;
    }
    if (Array.isArray(v))
      return v.map((item, i) => walk(item, Array.isArray(s) ? s[i] : undefined, `${p}[${i}]`, k, parentKey));
    if (v && typeof v === 'object') {
      const storedObject =
        s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : {};
      return Object.fromEntries(
        Object.entries(v).map(([childKey, child]) => [
          childKey,
          walk(child, storedObject[childKey], p ? `${p}.${childKey}` : childKey, childKey, k),
        ]),
      );
    }
    return v;
  };
  return { value: walk(value, stored, path, '', ''), problems };
}

/**
 * The fields whose name says secret (as `redactConfig` reads them: password, token, apiKey, …, an auth header's value)
 * that hold nothing but whitespace once resolved: spaces written out, or a reference to an empty or blank variable or
 * file. Such a secret signs or authenticates nothing (an HMAC of a blank key is anyone's to make), so it is refused
 * with its field, never taken. `written` is the config as given, `resolved` the same with its references resolved.
 */
export function blankSecrets(
  written: unknown,
  resolved: unknown,
  path = '',
  key = '',
  parent = '',
): FieldProblem[] {
  if (typeof resolved === 'string') {
    if (!isSecretField(key, parent) || resolved.trim() !== '') return [];
    const reference = typeof written === 'string' && hasReference(written);
    // Empty and written out: the plugin's schema says it is empty.
    if (resolved === '' && !reference) return [];
    return [
      {
        field: path || '(root)',
        problem: reference
          ? `${written} resolves to ${resolved === '' ? 'an empty value' : 'only whitespace'}: a secret must hold its value`
          : 'is only whitespace: a secret must hold its value',
      },
    ];
  }
  const at = (value: unknown, index: string | number) =>
    value && typeof value === 'object' ? (value as Record<string | number, unknown>)[index] : undefined;
  if (Array.isArray(resolved))
    return resolved.flatMap((v, i) => blankSecrets(at(written, i), v, `${path}[${i}]`, key, parent));
  if (resolved && typeof resolved === 'object') {
    return Object.entries(resolved).flatMap(([k, v]) =>
      blankSecrets(at(written, k), v, path ? `${path}.${k}` : k, k, key),
    );
  }
  return [];
}

/** Paths of the fields whose name says secret and whose value is written out rather than a reference. */
export function literalSecrets(value: unknown, path = '', key = '', parent = ''): string[] {
  if (typeof value === 'string')
    return isSecretField(key, parent) && value !== '' && !hasReference(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => literalSecrets(v, `${path}[${i}]`, key, parent));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => literalSecrets(v, path ? `${path}.${k}` : k, k, key));
  }
  return [];
}

/** The fields of a definition's config that hold a secret written out, each with what to write instead. */
export function literalSecretWarnings(definition: { config?: unknown }): FieldProblem[] {
  return literalSecrets(definition.config, 'config').map((field) => ({
    field,
    problem:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference syntax, shown to the operator
      'a secret written out: stored on Kafka with the definition as written; write ${env:NAME} or ${file:path} instead',
  }));
}
