import { type Logger, pino } from 'pino';
import { hasValueMarks, withoutDocumentValues } from './errors.ts';

export type { Logger };

/**
 * Structured logs (JSON lines on stderr, so stdout stays free for CLI output).
 * Secrets and personal data are redacted by path wherever they may appear (an HTTP error's `responseBody` too: a
 * target's answer quotes the record it refused), and the document values an error message
 * quotes (`quotedValue`: a customer's name, email or phone a reader or mapping refused) are shown as `"…"`, as to a
 * viewer of the admin API: the line says what failed, where and in which field, not the customer's data.
 */
export function createLogger(
  name: string,
  level = process.env.EAI_LOG_LEVEL ?? 'info',
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
  const logger = pino(
    {
      name,
      level,
      onChild,
      hooks: {
        logMethod(args, method) {
          return method.apply(this, args.map(withoutQuotedData) as Parameters<typeof method>);
        },
      },
      redact: {
        paths: [
          '*.password',
          '*.secret',
          '*.token',
          '*.authorization',
          '*.email',
          '*.phone',
          // A target's answer an HTTP error carries (HttpRefusedError's): its words about the record it refused.
          '*.responseBody',
          'config.*.password',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
  track(logger, level);
  return logger;
}

/** A log call's argument with the document values its texts quote hidden: a text, or an object's or list's texts two levels down. */
function withoutQuotedData(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return hasValueMarks(value) ? withoutDocumentValues(value) : value;
  if (value instanceof Error) {
    // Its own texts too: pino's serializer writes them all (pg's `detail`, `Key (email)=(…) already exists.`).
    const marked = Object.entries(value).filter(
      ([, field]) => typeof field === 'string' && hasValueMarks(field),
    );
    if (!hasValueMarks(value.message) && marked.length === 0) return value;
    const shown = Object.assign(Object.create(Object.getPrototypeOf(value)) as Error, value);
    for (const [key, field] of marked)
      (shown as unknown as Record<string, unknown>)[key] = withoutDocumentValues(field);
    shown.message = withoutDocumentValues(value.message);
    shown.stack = value.stack && withoutDocumentValues(value.stack);
    return shown;
  }
  if (depth > 1 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    // A list of texts (an amendment's `changes`): each as a text.
    const shown = value.map((item) => withoutQuotedData(item, depth + 1));
    return shown.some((item, i) => item !== value[i]) ? shown : value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(value)) {
    const shown = withoutQuotedData(field, depth + 1);
    if (shown !== field) {
      out ??= { ...(value as Record<string, unknown>) };
      out[key] = shown;
    }
  }
  return out ?? value;
}

/** The levels an operator may set at run time (`PUT /admin/loggers/{name}`, as Kafka Connect's KIP-495). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Run-time log levels. Every logger `createLogger` makes, and every child of one (pino's `onChild`, which its
 * children inherit), is held weakly here with the level it was made with. An operator sets a level by name: `root`
 * (every logger), `component:<name>` (a child made with `{component}`: connectors, orchestrator, masterdata,
 * admin-api), `connector:<name>` (one connector's); the most specific name set wins. As in log4j, setting a name
 * clears what was set below it: `root` everything else, `component:connectors` every `connector:…`.
 */
const live = new Set<WeakRef<Logger>>();
const madeWith = new WeakMap<Logger, string>();
const overrides = new Map<string, { level: LogLevel; lastModified: number }>();

function namesOf(logger: Logger): string[] {
  const bindings = logger.bindings() as Record<string, unknown>;
  const names: string[] = [];
  if (typeof bindings.connector === 'string') names.push(`connector:${bindings.connector}`);
  if (typeof bindings.component === 'string') names.push(`component:${bindings.component}`);
  return names;
}

function applyLevel(logger: Logger): void {
  const set = [...namesOf(logger), 'root'].find((name) => overrides.has(name));
  const level = set ? overrides.get(set)!.level : (madeWith.get(logger) ?? logger.level);
  if (logger.level !== level) logger.level = level;
}

function track(logger: Logger, level: string): void {
  live.add(new WeakRef(logger));
  madeWith.set(logger, level);
  applyLevel(logger);
}

/** Each child as it is made: tracked with its parent's own level, then given the level set for its names. */
function onChild(child: Logger): void {
  const parent = Object.getPrototypeOf(child) as Logger;
  track(child, madeWith.get(parent) ?? child.level);
}

function liveLoggers(): Logger[] {
  const out: Logger[] = [];
  for (const ref of live) {
    const logger = ref.deref();
    if (logger) out.push(logger);
    else live.delete(ref);
  }
  return out;
}

/** Sets a logger name's level in this process; returns the names whose level it set (the name, and those it cleared). */
export function setLogLevel(name: string, level: LogLevel): string[] {
  const cleared = [...overrides.keys()].filter(
    (key) =>
      key !== name && (name === 'root' || (name === 'component:connectors' && key.startsWith('connector:'))),
  );
  for (const key of cleared) overrides.delete(key);
  overrides.set(name, { level, lastModified: Date.now() });
  for (const logger of liveLoggers()) applyLevel(logger);
  return [name, ...cleared].sort();
}

/**
 * Every logger name in this process and its level: `root` (the level set for it, else `EAI_LOG_LEVEL`'s), each
 * component and connector a live logger carries, and each name set; `lastModified` when an operator set it.
 */
export function logLevels(): Record<string, { level: string; lastModified: number | null }> {
  const out: Record<string, { level: string; lastModified: number | null }> = {};
  const root = overrides.get('root');
  out.root = {
    level: root?.level ?? process.env.EAI_LOG_LEVEL ?? 'info',
    lastModified: root?.lastModified ?? null,
  };
  for (const logger of liveLoggers()) {
    const [own] = namesOf(logger);
    if (own && !(own in out)) {
      const set = overrides.get(own);
      out[own] = { level: logger.level, lastModified: set?.lastModified ?? null };
    }
  }
  for (const [name, { level, lastModified }] of overrides) out[name] ??= { level, lastModified };
  return Object.fromEntries(
    Object.entries(out).sort(([a], [b]) => (a === 'root' ? -1 : b === 'root' ? 1 : a < b ? -1 : 1)),
  );
}

/** Every logger back to the level it was made with, as at start (nothing set). */
export function resetLogLevels(): void {
  overrides.clear();
  for (const logger of liveLoggers()) applyLevel(logger);
}
