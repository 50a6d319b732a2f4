import type { Logger } from '../../lib/logger.ts';
import { hasReference, isSecretField, REDACTED, resolveSecrets } from './secrets.ts';

/**
 * A task's errors leave it for its status (`lastError`, `retrying`), its dead letters' headers on Kafka, receipts and
 * logs. A target that quotes the request in its error answer (an echo of the Authorization header, a 401 naming the
 * API key it refused, a form body with the client secret) would put the secret there: so every error a task throws
 * has the values its config's secrets resolved to replaced by `[redacted]` before the runtime sees it.
 */

/** Shorter values are left alone: a scrub of a 3-letter "secret" would blank out words of every message. */
const MIN_SECRET_CHARS = 4;

/**
 * The values the secret fields of a written config stand for (as `redactConfig` reads them: password, token, apiKey,
 * an auth header's value): each field's value resolved, and each reference in it on its own (the token of
 * `Bearer ${env:TOKEN}`, which a target may quote without its scheme).
 */
export function secretValues(written: unknown, baseDir: string, key = '', parent = ''): string[] {
  if (typeof written === 'string') {
    if (!isSecretField(key, parent)) return [];
    const values = [tryResolve(written, baseDir)];
    if (hasReference(written))
      for (const [reference] of written.matchAll(/\$\{(?:env|file):[^}]+\}/g))
        values.push(tryResolve(reference, baseDir));
    return values.filter((v): v is string => v !== undefined && v.trim().length >= MIN_SECRET_CHARS);
  }
  if (Array.isArray(written)) return written.flatMap((v) => secretValues(v, baseDir, key, parent));
  if (written && typeof written === 'object')
    return Object.entries(written).flatMap(([k, v]) => secretValues(v, baseDir, k, key));
  return [];
}

function tryResolve(value: string, baseDir: string): string | undefined {
  try {
    return resolveSecrets(value, baseDir) as string;
  } catch {
    return undefined; // Unresolved: the task cannot have started with it.
  }
}

/** Replaces each value, as written and as a target may quote it (JSON-escaped, URL-encoded), by `[redacted]`. */
export function secretScrubber(values: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const value of values) {
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
    forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  }
  // Longest first: a secret that holds another one is replaced whole.
  const ordered = [...forms].filter((f) => f.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, form) => out.replaceAll(form, REDACTED), text);
}

/** The error with its message, stack, quoted answer (`responseBody`) and causes scrubbed, in place (its class kept). */
export function scrubError(error: unknown, scrub: (text: string) => string, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? scrub(error) : error;
  for (const key of ['message', 'stack', 'responseBody'] as const) rewrite(error, key, scrub);
  if (depth < 5 && error.cause !== undefined) scrubError(error.cause, scrub, depth + 1);
  return error;
}

/**
 * A text property of an error scrubbed, only where scrubbing changes it. Set as an own property: a DOMException's
 * `message` (fetch's TimeoutError, an AbortSignal's reason) is a getter of its prototype, and assigning to it threw
 * "Cannot set property message of [object DOMException] which has only a getter", which replaced every timed-out
 * request's error in a sink's status and retries (seen in CI: a target that hangs).
 */
function rewrite(
  error: Error,
  key: 'message' | 'stack' | 'responseBody',
  scrub: (text: string) => string,
): void {
  const text = (error as unknown as Record<string, unknown>)[key];
  if (typeof text !== 'string') return;
  const scrubbed = scrub(text);
  if (scrubbed === text) return;
  try {
    Object.defineProperty(error, key, {
      value: scrubbed,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  } catch {
    // A frozen error keeps its text; the message, which quotes an answer, is its own property in errors made here.
  }
}

/**
 * The task as the runtime holds it: every method's error (thrown, or a rejected promise) scrubbed of the secrets'
 * values; everything else as the task has it. Without secrets the task itself.
 */
export function scrubbingTask<T extends object>(task: T, scrub: ((text: string) => string) | undefined): T {
  if (!scrub) return task;
  const fail = (error: unknown): never => {
    throw scrubError(error, scrub);
  };
  return new Proxy(task, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (error) {
          return fail(error);
        }
        return result instanceof Promise ? result.catch(fail) : result;
      };
    },
  });
}

/** Request headers whose values are credentials: an answer never echoes them back. */
const CREDENTIAL_HEADER = /authorization|signature|hmac|token|secret|api-?key/i;

/**
 * A source's webhook handler as the runtime serves it: its errors (thrown, or a rejected promise) scrubbed of the
 * secrets' values, as a task's are (a handler that calls its system with the API key and fails on its answer); and
 * its answer too (every string of its body and headers), of those and of the request's own credentials (its
 * signature, its Authorization header), so no answer, 2xx or 4xx, says a secret or the signature back.
 */
export function scrubbingHandler<
  A extends [{ headers: Record<string, string | undefined> }, ...unknown[]],
  R,
>(
  handler: (...args: A) => Promise<R>,
  scrub: ((text: string) => string) | undefined,
): (...args: A) => Promise<R> {
  return async (...args) => {
    const sent = Object.entries(args[0].headers)
      .filter(([name, value]) => CREDENTIAL_HEADER.test(name) && value !== undefined)
      .flatMap(([, value]) => [value!, ...value!.split(/[\s,=]+/).filter((part) => part.length >= 16)]);
    const credentials = secretScrubber(sent);
    const both = (text: string) => credentials(scrub ? scrub(text) : text);
    let answer: R;
    try {
      answer = await handler(...args);
    } catch (error) {
      throw scrub ? scrubError(error, scrub) : error;
    }
    return scrubbedArgument(answer, both) as R;
  };
}

const LOG_METHODS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

/** A log argument with every string in it scrubbed: an error in place (as scrubError), objects and arrays copied. */
function scrubbedArgument(value: unknown, scrub: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value instanceof Error) return scrubError(value, scrub);
  if (depth >= 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubbedArgument(v, scrub, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, scrubbedArgument(v, scrub, depth + 1)]),
  );
}

/**
 * The logger a connector's plugin writes with: each line's message, fields and errors (and its children's bindings)
 * scrubbed of the secrets' values, since a plugin logs what its system answered as it likes. Without secrets the
 * logger itself.
 */
export function scrubbingLogger(logger: Logger, scrub: ((text: string) => string) | undefined): Logger {
  if (!scrub) return logger;
  return new Proxy(logger, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const scrubbed = (args: unknown[]) => args.map((a) => scrubbedArgument(a, scrub));
      if (property === 'child')
        return (...args: unknown[]) => scrubbingLogger(value.apply(target, scrubbed(args)), scrub);
      if (typeof property === 'string' && LOG_METHODS.has(property))
        return (...args: unknown[]) => value.apply(target, scrubbed(args));
      return value.bind(target);
    },
  });
}

/** A scrubber of a written config's secrets, or undefined when it has none. */
export function configScrubber(written: unknown, baseDir: string): ((text: string) => string) | undefined {
  const values = secretValues(written, baseDir);
  return values.length > 0 ? secretScrubber(values) : undefined;
}
