import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { NonRetriableError, RetriableError } from '../lib/errors.ts';
import { type CompatibilityLevel, compatibilityProblems, formatProblems } from '../schemas/compatibility.ts';
import { avroOptions } from '../schemas/logical-types.ts';

/**
 * The hub's only way to a schema registry: the Confluent Schema Registry REST API, through
 * @kafkajs/confluent-schema-registry (encode / decode / register) plus a few plain REST calls it does not offer.
 * Works against Confluent, Karapace, Apicurio's ccompat API and Redpanda: nothing vendor-specific is used.
 */
export class SchemaIncompatibleError extends NonRetriableError {
  readonly subject: string;
  readonly problems: string;
  constructor(subject: string, problems: string, registryMessage: string) {
    super(
      `schema for subject "${subject}" is incompatible: ${problems || registryMessage} (registry said: ${registryMessage})`,
    );
    this.subject = subject;
    this.problems = problems;
  }
}

export class UnknownSchemaError extends NonRetriableError {}

export class RegistryUnavailableError extends RetriableError {}

export interface RegistryClient {
  readonly url: string;
  /** Registers (or finds) the schema under the subject; cached per process, so publishing asks once. */
  register(subject: string, schema: object): Promise<number>;
  /** The avsc Type of a registered schema id, with the canonical logical types; cached. */
  typeById(id: number): Promise<avro.Type>;
  versions(subject: string): Promise<number[]>;
  schemaOf(subject: string, version: number): Promise<object>;
  compatibility(subject: string): Promise<CompatibilityLevel>;
  /** The underlying @kafkajs/confluent-schema-registry client. */
  readonly client: SchemaRegistry;
}

interface HttpError {
  status?: number;
  message?: string;
}

export function createRegistryClient(url: string): RegistryClient {
  const client = new SchemaRegistry(
    { host: url, retry: { retries: 3 } },
    { [SchemaType.AVRO]: avroOptions() },
  );
  const registered = new Map<string, Promise<number>>();
  const types = new Map<number, Promise<avro.Type>>();

  async function rest<T>(path: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, {
        headers: { accept: 'application/vnd.schemaregistry.v1+json' },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new RegistryUnavailableError(`schema registry ${url} unreachable`, { cause: error });
    }
    const body = (await response.json().catch(() => ({}))) as T & { message?: string };
    if (!response.ok) {
      const failure = new (response.status >= 500 ? RegistryUnavailableError : NonRetriableError)(
        `schema registry ${path}: HTTP ${response.status} ${body.message ?? ''}`,
      );
      throw Object.assign(failure, { status: response.status });
    }
    return body;
  }

  const api: RegistryClient = {
    url,
    client,
    register(subject, schema) {
      const cacheKey = `${subject}\u0000${JSON.stringify(schema)}`;
      let pending = registered.get(cacheKey);
      if (!pending) {
        pending = (async () => {
          try {
            const { id } = await client.register(
              { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
              { subject },
            );
            return id;
          } catch (error) {
            const status = (error as HttpError).status;
            if (status === 409) {
              const versions = await api.versions(subject).catch(() => []);
              const previous = await Promise.all(versions.map((v) => api.schemaOf(subject, v)));
              const level = await api.compatibility(subject).catch(() => 'BACKWARD' as const);
              const problems = formatProblems(
                compatibilityProblems(schema as never, previous as never[], level),
              );
              throw new SchemaIncompatibleError(subject, problems, (error as Error).message);
            }
            if (status !== undefined && status < 500) {
              throw new NonRetriableError(
                `schema registry refused subject "${subject}": ${(error as Error).message}`,
                { cause: error },
              );
            }
            throw new RegistryUnavailableError(`schema registry ${url}: ${(error as Error).message}`, {
              cause: error,
            });
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
            return (await client.getSchema(id)) as unknown as avro.Type;
          } catch (error) {
            const status = (error as HttpError).status;
            if (status === 404)
              throw new UnknownSchemaError(`schema id ${id} is not in the registry ${url}`, { cause: error });
            if (status !== undefined && status < 500)
              throw new NonRetriableError(`schema id ${id}: ${(error as Error).message}`, { cause: error });
            throw new RegistryUnavailableError(`schema registry ${url}: ${(error as Error).message}`, {
              cause: error,
            });
          }
        })();
        pending.catch(() => types.delete(id));
        types.set(id, pending);
      }
      return pending;
    },
    async versions(subject) {
      return rest<number[]>(`/subjects/${encodeURIComponent(subject)}/versions`);
    },
    async schemaOf(subject, version) {
      const body = await rest<{ schema: string }>(
        `/subjects/${encodeURIComponent(subject)}/versions/${version}`,
      );
      return JSON.parse(body.schema) as object;
    },
    async compatibility(subject) {
      try {
        const body = await rest<{ compatibilityLevel: CompatibilityLevel }>(
          `/config/${encodeURIComponent(subject)}?defaultToGlobal=true`,
        );
        return body.compatibilityLevel;
      } catch {
        const body = await rest<{ compatibilityLevel: CompatibilityLevel }>('/config');
        return body.compatibilityLevel;
      }
    },
  };
  return api;
}
