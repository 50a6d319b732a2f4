import avro from 'avsc';
import { errorMessage, NonRetriableError, RetriableError } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { withRetry } from '../lib/retry.ts';
import { type CompatibilityLevel, compatibilityProblems, formatProblems } from '../schemas/compatibility.ts';
import { avroOptions } from '../schemas/logical-types.ts';
import { type RegistryAuth, registryAuthFromEnv, registryTlsProblem } from './registry-auth.ts';

/**
 * The hub's only way to a schema registry: the Confluent Schema Registry REST API, spoken over fetch.
 * Works against Confluent, Karapace, Apicurio's ccompat API and Redpanda: nothing vendor-specific is used.
 *
 * Every call has a deadline and is retried while the registry is unreachable, stalled or answering 5xx.
 * (@kafkajs/confluent-schema-registry, used here before, sets no request timeout and never retries a POST,
 * so one stalled registration hung every publish of that subject for good; it stays as an independent
 * peer in the tests, which prove it reads what the hub writes.)
 */
export class SchemaIncompatibleError extends NonRetriableError {
  readonly subject: string;
  readonly problems: string;
  constructor(
    subject: string,
    problems: string,
    registryMessage: string,
    refused: { schema?: string; level?: string } = {},
  ) {
    // Named as the developer knows it (the record's full name) and the rule the subject keeps (BACKWARD…).
    const schema = refused.schema ? ` ${refused.schema}` : '';
    const level = refused.level ? ` (${refused.level})` : '';
    super(
      `schema${schema} for subject "${subject}" is incompatible${level}: ${problems || registryMessage} (registry said: ${registryMessage})`,
    );
    this.subject = subject;
    this.problems = problems;
  }
}

/** A record schema's full name (`eai.canonical.SalesOrderEvent`); undefined for other schemas. */
function recordName(schema: unknown): string | undefined {
  const { name, namespace } = (schema ?? {}) as { name?: unknown; namespace?: unknown };
  if (typeof name !== 'string') return undefined;
  return typeof namespace === 'string' && namespace && !name.includes('.') ? `${namespace}.${name}` : name;
}

const shortName = (name: string) => name.split('.').pop()!;

export class UnknownSchemaError extends NonRetriableError {}

export class RegistryUnavailableError extends RetriableError {}

/** The registry answered 4xx: asking again the same way cannot help. */
export class RegistryRefusedError extends NonRetriableError {
  /** The HTTP status; 0 when no request got through (a TLS certificate the hub does not trust). */
  readonly status: number;
  constructor(message: string, status: number, options: { cause?: unknown } = {}) {
    super(message, options);
    this.status = status;
  }
}

export interface RegistryClientOptions {
  /** Deadline of one HTTP request; a registry that has not answered by then is asked again. */
  requestTimeoutMs?: number;
  /** Attempts after the first one, for timeouts, network errors, 408, 429 and 5xx. */
  retries?: number;
  logger?: Logger;
  /** Credentials and CA (`EAI_REGISTRY_BASIC_AUTH` …); default: the environment's. */
  auth?: RegistryAuth;
}

export interface RegistryClient {
  readonly url: string;
  /** Registers (or finds) the schema under the subject; cached per process, so publishing asks once. */
  register(subject: string, schema: object): Promise<number>;
  /** The avsc Type of a registered schema id, with the canonical logical types; cached. */
  typeById(id: number): Promise<avro.Type>;
  /** The registry's subjects (`GET /subjects`), sorted. */
  subjects(): Promise<string[]>;
  versions(subject: string): Promise<number[]>;
  schemaOf(subject: string, version: number): Promise<object>;
  /** A version of a subject (`latest` when none is named) with its global id. */
  version(subject: string, version?: number): Promise<{ version: number; id: number; schema: object }>;
  compatibility(subject: string): Promise<CompatibilityLevel>;
  /** Whether the registry would accept the schema as the subject's next version. */
  isCompatible(subject: string, schema: object): Promise<boolean>;
}

const contentType = 'application/vnd.schemaregistry.v1+json';

export function createRegistryClient(url: string, options: RegistryClientOptions = {}): RegistryClient {
  const { requestTimeoutMs = 10_000, retries = 3 } = options;
  const logger = options.logger ?? createLogger('registry');
  const auth = options.auth ?? registryAuthFromEnv();
  const registered = new Map<string, Promise<number>>();
  const types = new Map<number, Promise<avro.Type>>();

  async function once<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    let response: Response;
    let text: string;
    try {
      response = await auth.fetch(`${url}${path}`, {
        method,
        headers: { accept: contentType, ...(body ? { 'content-type': contentType } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // A certificate the hub does not trust stays so: no retry, and the variable to set.
      const tls = registryTlsProblem(error, url, auth);
      if (tls) throw new RegistryRefusedError(tls, 0, { cause: error });
      const why =
        (error as Error).name === 'TimeoutError' ? `no answer within ${requestTimeoutMs} ms` : 'unreachable';
      throw new RegistryUnavailableError(`schema registry ${url}${path}: ${why}`, { cause: error });
    }
    let parsed: (T & { message?: string }) | undefined;
    try {
      parsed = JSON.parse(text) as T & { message?: string };
    } catch {
      parsed = undefined;
    }
    if (response.ok && parsed !== undefined) return parsed;
    const refusal = auth.refusal(response.status, url);
    if (refusal) throw new RegistryRefusedError(refusal, response.status);
    const detail = parsed?.message ?? text.slice(0, 200);
    const message = `schema registry ${method} ${path}: HTTP ${response.status} ${detail}`.trim();
    if (response.ok) throw new RegistryUnavailableError(`${message} (not JSON)`);
    if (response.status >= 500 || response.status === 408 || response.status === 429)
      throw new RegistryUnavailableError(message);
    throw new RegistryRefusedError(message, response.status);
  }

  function call<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    // Registering is idempotent in the Confluent API (the same schema gets the same id), so POSTs retry too.
    return withRetry(() => once<T>(method, path, body), {
      retries,
      initialDelayMs: 200,
      maxDelayMs: 2_000,
      onRetry: (error, attempt) =>
        logger.warn({ method, path, attempt, error: errorMessage(error) }, 'schema registry request retried'),
    });
  }

  const subjectPath = (subject: string) => `/subjects/${encodeURIComponent(subject)}`;

  async function explainIncompatible(subject: string, schema: object, error: RegistryRefusedError) {
    const versions = await api.versions(subject).catch(() => []);
    const previous = await Promise.all(versions.map((v) => api.schemaOf(subject, v)));
    const level = await api.compatibility(subject).catch(() => 'BACKWARD' as const);
    // Named by the registry's own version numbers: a subject whose early versions were deleted holds [3, 4], and
    // "against version 1" named one that is gone.
    const problems = formatProblems(
      compatibilityProblems(schema as never, previous as never[], level).map((p) => ({
        ...p,
        version: versions[p.version - 1] ?? p.version,
      })),
    );
    const fullName = recordName(schema);
    // Another record type altogether (CustomerEvent sent to a topic of SalesOrderEvents) is no rename to fix with
    // aliases: the subject keeps one record type (TopicNameStrategy), so the event belongs on another topic.
    const held = recordName(previous.at(-1));
    const aliases = ((schema as { aliases?: string[] }).aliases ?? []).map(shortName);
    if (fullName && held && shortName(held) !== shortName(fullName) && !aliases.includes(shortName(held))) {
      const other = `subject "${subject}" holds ${held} (version ${versions.at(-1)}), not ${fullName}: a subject keeps one record type (TopicNameStrategy), so publish ${shortName(fullName)} to a topic of its own`;
      return new SchemaIncompatibleError(subject, other, error.message, { schema: fullName, level });
    }
    return new SchemaIncompatibleError(subject, problems, error.message, { schema: fullName, level });
  }

  const api: RegistryClient = {
    url,
    register(subject, schema) {
      const cacheKey = `${subject}\u0000${JSON.stringify(schema)}`;
      let pending = registered.get(cacheKey);
      if (!pending) {
        pending = (async () => {
          try {
            const body = { schema: JSON.stringify(schema) };
            return (await call<{ id: number }>('POST', `${subjectPath(subject)}/versions`, body)).id;
          } catch (error) {
            if (error instanceof RegistryRefusedError && error.status === 409)
              throw await explainIncompatible(subject, schema, error);
            throw error;
          }
        })();
        pending.catch(() => registered.delete(cacheKey));
        registered.set(cacheKey, pending);
      }
      return pending;
    },
    typeById(id) {
      let pending = types.get(id);
      if (!pending) {
        pending = (async () => {
          try {
            const { schema } = await call<{ schema: string }>('GET', `/schemas/ids/${id}`);
            return avro.Type.forSchema(JSON.parse(schema), avroOptions());
          } catch (error) {
            if (error instanceof RegistryRefusedError && error.status === 404)
              throw new UnknownSchemaError(`schema id ${id} is not in the registry ${url}`, { cause: error });
            throw error;
          }
        })();
        pending.catch(() => types.delete(id));
        types.set(id, pending);
      }
      return pending;
    },
    async subjects() {
      return (await call<string[]>('GET', '/subjects')).sort();
    },
    versions(subject) {
      return call<number[]>('GET', `${subjectPath(subject)}/versions`);
    },
    async version(subject, version) {
      const body = await call<{ version: number; id: number; schema: string }>(
        'GET',
        `${subjectPath(subject)}/versions/${version ?? 'latest'}`,
      );
      return { version: body.version, id: body.id, schema: JSON.parse(body.schema) as object };
    },
    async schemaOf(subject, version) {
      const body = await call<{ schema: string }>('GET', `${subjectPath(subject)}/versions/${version}`);
      return JSON.parse(body.schema) as object;
    },
    async compatibility(subject) {
      try {
        const body = await call<{ compatibilityLevel: CompatibilityLevel }>(
          'GET',
          `/config/${encodeURIComponent(subject)}?defaultToGlobal=true`,
        );
        return body.compatibilityLevel;
      } catch {
        return (await call<{ compatibilityLevel: CompatibilityLevel }>('GET', '/config')).compatibilityLevel;
      }
    },
    async isCompatible(subject, schema) {
      const body = await call<{ is_compatible?: boolean }>(
        'POST',
        `/compatibility${subjectPath(subject)}/versions/latest`,
        { schema: JSON.stringify(schema) },
      );
      return body.is_compatible === true;
    },
  };
  return api;
}
