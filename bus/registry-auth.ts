import { Agent, fetch as undiciFetch } from 'undici';
import { z } from 'zod';
import { readNamedFile, secretFromEnv } from '../lib/env-secrets.ts';
import { FieldError } from '../lib/errors.ts';

/**
 * How the hub authenticates to its schema registry: HTTP basic auth as Confluent's clients take it
 * (`basic.auth.user.info` = `<key>:<secret>`: Confluent Cloud's API key, Karapace, Aiven), or a bearer token (an
 * OAuth/OIDC access token, Apicurio behind Keycloak); and the CA of a registry with a private certificate. The
 * credentials go in the `Authorization` header of every request (the client's, readiness's probes, the CLI's) and
 * nowhere else: `RegistryAuth` serialises as its redacted description.
 */
export const registryAuthEnvSchema = z.object({
  EAI_REGISTRY_BASIC_AUTH: z
    .string()
    .optional()
    .describe(
      "The schema registry's HTTP basic auth as `<user>:<secret>`, as Confluent's `basic.auth.user.info` (Confluent Cloud: the Schema Registry API key and secret), or `EAI_REGISTRY_BASIC_AUTH_FILE`: a file holding it. Never logged.",
    ),
  EAI_REGISTRY_BEARER_TOKEN: z
    .string()
    .optional()
    .describe(
      'A bearer token for the schema registry (`Authorization: Bearer …`; an OIDC access token), instead of basic auth, or `EAI_REGISTRY_BEARER_TOKEN_FILE`: a file holding it, read at each client start. Never logged.',
    ),
  EAI_REGISTRY_CA_FILE: z
    .string()
    .optional()
    .describe(
      "PEM file of the CA that signed an `https` schema registry's certificate (a private CA); default: the system's public CAs.",
    ),
});

export class RegistryAuth {
  /** What to set when the registry answers 401 or 403. */
  readonly variable: string | undefined;
  readonly scheme: 'basic' | 'bearer' | undefined;
  readonly privateCa: boolean;
  declare readonly authorization: string | undefined;
  declare readonly dispatcher: Agent | undefined;

  constructor(options: {
    scheme?: 'basic' | 'bearer';
    authorization?: string;
    variable?: string;
    ca?: string;
  }) {
    this.scheme = options.scheme;
    this.variable = options.variable;
    this.privateCa = options.ca !== undefined;
    Object.defineProperty(this, 'authorization', { value: options.authorization, enumerable: false });
    const dispatcher = options.ca ? new Agent({ connect: { ca: options.ca } }) : undefined;
    Object.defineProperty(this, 'dispatcher', { value: dispatcher, enumerable: false });
  }

  describe(): string {
    return [this.scheme ? `${this.scheme} auth` : 'no auth', this.privateCa ? 'private CA' : undefined]
      .filter(Boolean)
      .join(', ');
  }

  toJSON(): string {
    return this.describe();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `RegistryAuth(${this.describe()})`;
  }

  /** `fetch` with the credentials and the CA: the one way the hub's registry calls and probes go out. */
  fetch(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
  ) {
    const headers = { ...init.headers, ...(this.authorization ? { authorization: this.authorization } : {}) };
    if (this.dispatcher)
      return undiciFetch(url, {
        ...init,
        headers,
        dispatcher: this.dispatcher,
      }) as unknown as Promise<Response>;
    return fetch(url, { ...init, headers });
  }

  /**
   * What a 401 or 403 of the registry means here, naming the variable to set; undefined for any other status.
   */
  refusal(status: number, url: string): string | undefined {
    if (status !== 401 && status !== 403) return undefined;
    const what = status === 401 ? 'refused the credentials' : 'denied the request';
    if (!this.scheme)
      return `schema registry ${url} answered HTTP ${status}: it needs credentials: set EAI_REGISTRY_BASIC_AUTH (<key>:<secret>) or EAI_REGISTRY_BEARER_TOKEN`;
    return `schema registry ${url} ${what} (HTTP ${status}): check ${this.variable}${status === 403 ? ' (the user may lack the role for this subject)' : ''}`;
  }
}

export const NO_REGISTRY_AUTH = new RegistryAuth({});

/**
 * The registry's credentials and CA from the environment; a bad or double setting is a FieldError naming the
 * variable: basic auth without a `:`, both basic auth and a bearer token, an unreadable or non-PEM CA file.
 */
export function registryAuthFromEnv(env: NodeJS.ProcessEnv = process.env): RegistryAuth {
  const basic = secretFromEnv(env, 'EAI_REGISTRY_BASIC_AUTH');
  const bearer = secretFromEnv(env, 'EAI_REGISTRY_BEARER_TOKEN')?.trim();
  const basicVariable = env.EAI_REGISTRY_BASIC_AUTH_FILE?.trim()
    ? 'EAI_REGISTRY_BASIC_AUTH_FILE'
    : 'EAI_REGISTRY_BASIC_AUTH';
  const bearerVariable = env.EAI_REGISTRY_BEARER_TOKEN_FILE?.trim()
    ? 'EAI_REGISTRY_BEARER_TOKEN_FILE'
    : 'EAI_REGISTRY_BEARER_TOKEN';
  if (basic !== undefined && bearer)
    throw new FieldError(
      bearerVariable,
      `set together with ${basicVariable}: the registry takes one, keep one of them`,
    );
  const caFile = env.EAI_REGISTRY_CA_FILE?.trim() || undefined;
  let ca: string | undefined;
  if (caFile) {
    ca = readNamedFile('EAI_REGISTRY_CA_FILE', caFile);
    if (!ca.includes('-----BEGIN CERTIFICATE-----'))
      throw new FieldError(
        'EAI_REGISTRY_CA_FILE',
        `${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      );
  }
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    if (colon <= 0)
      throw new FieldError(
        basicVariable,
        'not <user>:<secret> (as Confluent\'s basic.auth.user.info): the user and the secret, joined by ":"',
      );
    return new RegistryAuth({
      scheme: 'basic',
      authorization: `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`,
      variable: basicVariable,
      ca,
    });
  }
  if (bearer)
    return new RegistryAuth({
      scheme: 'bearer',
      authorization: `Bearer ${bearer}`,
      variable: bearerVariable,
      ca,
    });
  return new RegistryAuth({ ca });
}

const UNTRUSTED_CERTIFICATE =
  /SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/;

/**
 * The one line a failed request to an https registry stands for when its certificate is not trusted (naming
 * EAI_REGISTRY_CA_FILE) or not for its host name; undefined for anything else (an outage, for the retries).
 */
export function registryTlsProblem(error: unknown, url: string, auth: RegistryAuth): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (UNTRUSTED_CERTIFICATE.test(code))
      return auth.privateCa
        ? `schema registry ${url}: its TLS certificate is not signed by the CA in EAI_REGISTRY_CA_FILE (${code}): set EAI_REGISTRY_CA_FILE to the PEM of the CA that signed it`
        : `schema registry ${url}: its TLS certificate is not signed by a CA the system trusts (${code}): set EAI_REGISTRY_CA_FILE to the PEM of the CA that signed it`;
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
      return `schema registry ${url}: its TLS certificate is not for that host name: use a host its certificate names in SCHEMA_REGISTRY_URL`;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
