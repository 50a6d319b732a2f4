import { Agent, fetch as undiciFetch } from 'undici';
import { z } from 'zod';
import { readNamedFile, secretFromEnv } from '../lib/env-secrets.ts';
import { FieldError } from '../lib/errors.ts';
import {
  OAuthTokenRefusedError,
  type OAuthVariables,
  oauthTokenProvider,
  tokenEndpointUrl,
} from '../lib/oauth-token.ts';

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
  EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL: z
    .string()
    .optional()
    .describe(
      "OAuth instead of a fixed token, as Confluent's `bearer.auth.credentials.source=OAUTHBEARER`: the identity provider's token endpoint (`bearer.auth.issuer.endpoint.url`). The hub asks it for a token with the client-credentials grant, shares it across its registry calls and asks again at 80 % of its lifetime. A private CA of the identity provider: Node's `NODE_EXTRA_CA_CERTS`.",
    ),
  EAI_REGISTRY_BEARER_AUTH_CLIENT_ID: z
    .string()
    .optional()
    .describe(
      'With `EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL`: the OAuth client id (`bearer.auth.client.id`).',
    ),
  EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET: z
    .string()
    .optional()
    .describe(
      'With `EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL`: the OAuth client secret (`bearer.auth.client.secret`), or `EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET_FILE`: a file holding it. Never logged.',
    ),
  EAI_REGISTRY_BEARER_AUTH_SCOPE: z
    .string()
    .optional()
    .describe('With the issuer endpoint: the scope(s) to ask for, space-separated (`bearer.auth.scope`).'),
  EAI_REGISTRY_BEARER_AUTH_LOGICAL_CLUSTER: z
    .string()
    .optional()
    .describe(
      'Confluent Cloud: the Schema Registry cluster id (`lsrc-…`, `bearer.auth.logical.cluster`), sent as the `target-sr-cluster` header.',
    ),
  EAI_REGISTRY_BEARER_AUTH_IDENTITY_POOL_ID: z
    .string()
    .optional()
    .describe(
      'Confluent Cloud: the identity pool (`pool-…`, `bearer.auth.identity.pool.id`), sent as the `Confluent-Identity-Pool-Id` header.',
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
  readonly scheme: 'basic' | 'bearer' | 'oauth' | undefined;
  readonly privateCa: boolean;
  declare readonly authorization: string | undefined;
  declare readonly dispatcher: Agent | undefined;
  /** OAuth: the shared client-credentials token (lib/oauth-token.ts), and the headers Confluent Cloud wants beside it. */
  declare readonly token: (() => Promise<{ value: string }>) | undefined;
  declare readonly headers: Record<string, string>;

  constructor(options: {
    scheme?: 'basic' | 'bearer' | 'oauth';
    authorization?: string;
    token?: () => Promise<{ value: string }>;
    headers?: Record<string, string>;
    variable?: string;
    ca?: string;
  }) {
    this.scheme = options.scheme;
    this.variable = options.variable;
    this.privateCa = options.ca !== undefined;
    Object.defineProperty(this, 'authorization', { value: options.authorization, enumerable: false });
    Object.defineProperty(this, 'token', { value: options.token, enumerable: false });
    Object.defineProperty(this, 'headers', { value: options.headers ?? {}, enumerable: false });
    const dispatcher = options.ca ? new Agent({ connect: { ca: options.ca } }) : undefined;
    Object.defineProperty(this, 'dispatcher', { value: dispatcher, enumerable: false });
  }

  describe(): string {
    const scheme = this.scheme === 'oauth' ? 'OAuth bearer auth' : this.scheme && `${this.scheme} auth`;
    return [scheme ?? 'no auth', this.privateCa ? 'private CA' : undefined].filter(Boolean).join(', ');
  }

  toJSON(): string {
    return this.describe();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `RegistryAuth(${this.describe()})`;
  }

  /**
   * `fetch` with the credentials and the CA: the one way the hub's registry calls and probes go out. With OAuth, the
   * token is asked for first (once, then shared); a refusal of the identity provider rejects it with an
   * OAuthTokenRefusedError, which `registryTlsProblem` turns into the one line to say.
   */
  async fetch(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const authorization = this.token ? `Bearer ${(await this.token()).value}` : this.authorization;
    const headers = {
      ...init.headers,
      ...this.headers,
      ...(authorization ? { authorization } : {}),
    };
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
      return `schema registry ${url} answered HTTP ${status}: it needs credentials: set EAI_REGISTRY_BASIC_AUTH (<key>:<secret>), EAI_REGISTRY_BEARER_TOKEN or EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL`;
    if (this.scheme === 'oauth')
      return `schema registry ${url} ${status === 401 ? 'refused the OAuth token' : 'denied the request'} (HTTP ${status}): check EAI_REGISTRY_BEARER_AUTH_SCOPE, and that the registry trusts that identity provider${status === 403 ? ' and gives EAI_REGISTRY_BEARER_AUTH_CLIENT_ID the role for this subject' : ''}`;
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
  const oauth = registryOAuth(env);
  if (oauth && (basic !== undefined || bearer))
    throw new FieldError(
      'EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL',
      `set together with ${basic !== undefined ? basicVariable : bearerVariable}: the registry takes one, keep one of them`,
    );
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
  if (oauth)
    return new RegistryAuth({
      scheme: 'oauth',
      token: oauthTokenProvider(oauth.settings),
      headers: oauth.headers,
      variable: 'EAI_REGISTRY_BEARER_AUTH_CLIENT_ID',
      ca,
    });
  return new RegistryAuth({ ca });
}

const OAUTH_VARIABLES: OAuthVariables = {
  tokenEndpointUrl: 'EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL',
  clientId: 'EAI_REGISTRY_BEARER_AUTH_CLIENT_ID',
  clientSecret: 'EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET',
  scope: 'EAI_REGISTRY_BEARER_AUTH_SCOPE',
  ca: 'NODE_EXTRA_CA_CERTS',
};

/** The registry's OAuth client settings and Confluent Cloud headers; undefined when no OAuth variable is set. */
function registryOAuth(env: NodeJS.ProcessEnv) {
  const value = (name: string) => env[name]?.trim() || undefined;
  const endpoint = value('EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL');
  const clientId = value('EAI_REGISTRY_BEARER_AUTH_CLIENT_ID');
  const clientSecret = secretFromEnv(env, 'EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET');
  const scope = value('EAI_REGISTRY_BEARER_AUTH_SCOPE');
  const logicalCluster = value('EAI_REGISTRY_BEARER_AUTH_LOGICAL_CLUSTER');
  const identityPool = value('EAI_REGISTRY_BEARER_AUTH_IDENTITY_POOL_ID');
  if (!endpoint) {
    const stray = (
      [
        ['EAI_REGISTRY_BEARER_AUTH_CLIENT_ID', clientId],
        ['EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET', clientSecret],
        ['EAI_REGISTRY_BEARER_AUTH_SCOPE', scope],
        ['EAI_REGISTRY_BEARER_AUTH_LOGICAL_CLUSTER', logicalCluster],
        ['EAI_REGISTRY_BEARER_AUTH_IDENTITY_POOL_ID', identityPool],
      ] as const
    ).find(([, v]) => v !== undefined);
    if (stray)
      throw new FieldError(
        stray[0],
        'set without EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL: set the identity provider’s token endpoint, or unset it',
      );
    return undefined;
  }
  const url = tokenEndpointUrl(
    'EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL',
    endpoint,
    'EAI_REGISTRY_BEARER_AUTH_CLIENT_ID and _CLIENT_SECRET',
  );
  if (!clientId)
    throw new FieldError(
      'EAI_REGISTRY_BEARER_AUTH_CLIENT_ID',
      'required with EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL',
    );
  if (clientSecret === undefined)
    throw new FieldError(
      'EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET',
      'required with EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL: set it, or EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET_FILE',
    );
  return {
    settings: {
      variables: OAUTH_VARIABLES,
      tokenEndpointUrl: url,
      clientId,
      clientSecret,
      ...(scope ? { scope } : {}),
    },
    headers: {
      ...(logicalCluster ? { 'target-sr-cluster': logicalCluster } : {}),
      ...(identityPool ? { 'Confluent-Identity-Pool-Id': identityPool } : {}),
    },
  };
}

const UNTRUSTED_CERTIFICATE =
  /SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/;

/**
 * The one line a failed request to an https registry stands for when its certificate is not trusted (naming
 * EAI_REGISTRY_CA_FILE) or not for its host name, or when the identity provider refused the OAuth client; undefined
 * for anything else (an outage, for the retries).
 */
export function registryTlsProblem(error: unknown, url: string, auth: RegistryAuth): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    // OAuth: the identity provider refused the client, before the registry was asked.
    if (e instanceof OAuthTokenRefusedError) return `schema registry ${url}: ${e.message}`;
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
