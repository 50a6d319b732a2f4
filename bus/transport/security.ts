import type { ConnectionOptions } from 'node:tls';
import type { Mechanism, SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { readNamedFile, secretFromEnv } from '../../lib/env-secrets.ts';
import { FieldError } from '../../lib/errors.ts';
import {
  type OAuthClientSettings,
  type OAuthVariables,
  oauthTokenProvider,
  parseSaslExtensions,
  tokenEndpointUrl,
} from '../../lib/oauth-token.ts';
import { oauthBearerMechanism } from './kafkajs-oauthbearer.ts';

/**
 * How the hub's Kafka clients reach a secured cluster (Confluent Cloud, Amazon MSK, Aiven, Strimzi): TLS, SASL PLAIN,
 * SCRAM or OAUTHBEARER (an OIDC client-credentials token, lib/oauth-token.ts), mutual TLS. The variables are the Kafka
 * clients' own settings, librdkafka's names after `EAI_KAFKA_` (`security.protocol`, `sasl.mechanism`,
 * `sasl.username`, `sasl.password`, `ssl.ca.location` as a `_FILE`), so a
 * client.properties of Confluent Cloud or MSK translates line by line. Key material and secrets come from files too
 * (`*_FILE`, as Kubernetes and Docker mount secrets); none of it is ever logged or shown: `KafkaSecurity` turns into
 * its redacted description wherever it is serialised.
 */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export const kafkaSecurityEnvSchema = z.object({
  EAI_KAFKA_SECURITY_PROTOCOL: z
    .enum(SECURITY_PROTOCOLS)
    .default('PLAINTEXT')
    .describe(
      "How the hub's Kafka clients talk to the brokers, as Kafka's `security.protocol`: `PLAINTEXT`, `SSL` (TLS), `SASL_PLAINTEXT` or `SASL_SSL` (Confluent Cloud, MSK SCRAM, Aiven, Strimzi). Every client of the hub, the orchestrator and the CLI uses it, and readiness too.",
    ),
  EAI_KAFKA_SASL_MECHANISM: z
    .enum(SASL_MECHANISMS)
    .optional()
    .describe(
      'With `SASL_PLAINTEXT` or `SASL_SSL` (required then), as `sasl.mechanism`: `PLAIN` (Confluent Cloud API keys), `SCRAM-SHA-256` or `SCRAM-SHA-512` (MSK, Aiven, Strimzi), or `OAUTHBEARER` (an OIDC client-credentials token: Confluent Cloud OAuth, Strimzi or Redpanda with Keycloak; the `EAI_KAFKA_SASL_OAUTHBEARER_*` settings).',
    ),
  EAI_KAFKA_SASL_USERNAME: z
    .string()
    .optional()
    .describe('SASL user name (`sasl.username`; Confluent Cloud: the API key). Never logged.'),
  EAI_KAFKA_SASL_PASSWORD: z
    .string()
    .optional()
    .describe(
      'SASL password (`sasl.password`; Confluent Cloud: the API secret), or `EAI_KAFKA_SASL_PASSWORD_FILE`: a file holding it (a mounted secret). Never logged.',
    ),
  EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: z
    .string()
    .optional()
    .describe(
      "With `OAUTHBEARER`: the identity provider's token endpoint (`sasl.oauthbearer.token.endpoint.url`; its discovery document's `token_endpoint`, e.g. Keycloak `https://<host>/realms/<realm>/protocol/openid-connect/token`). The hub asks it for a token with the client-credentials grant, shares it across its connections and asks again at 80 % of its lifetime.",
    ),
  EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID: z
    .string()
    .optional()
    .describe('With `OAUTHBEARER`: the OAuth client id (`sasl.oauthbearer.client.id`).'),
  EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: z
    .string()
    .optional()
    .describe(
      'With `OAUTHBEARER`: the OAuth client secret (`sasl.oauthbearer.client.secret`), or `EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE`: a file holding it. Sent to the token endpoint only (HTTP Basic, as the Kafka clients do); never logged.',
    ),
  EAI_KAFKA_SASL_OAUTHBEARER_SCOPE: z
    .string()
    .optional()
    .describe(
      'With `OAUTHBEARER`: the scope(s) to ask for, space-separated (`sasl.oauthbearer.scope`); default: none (the provider’s default scopes).',
    ),
  EAI_KAFKA_SASL_OAUTHBEARER_EXTENSIONS: z
    .string()
    .optional()
    .describe(
      'With `OAUTHBEARER`: SASL extensions sent with the token as `key=value,key=value` (`sasl.oauthbearer.extensions`); Confluent Cloud needs `logicalCluster=lkc-…,identityPoolId=pool-…`.',
    ),
  EAI_KAFKA_SASL_OAUTHBEARER_CA_FILE: z
    .string()
    .optional()
    .describe(
      "With `OAUTHBEARER`: PEM file of the CA that signed an `https` token endpoint's certificate (a company's identity provider; `https.ca.location`); default: the system's public CAs.",
    ),
  EAI_KAFKA_SSL_CA_FILE: z
    .string()
    .optional()
    .describe(
      "PEM file of the CA(s) that signed the brokers' certificates (`ssl.ca.location`), for a private CA (Strimzi's cluster CA, a company CA); default: the system's public CAs (Confluent Cloud, MSK, Aiven).",
    ),
  EAI_KAFKA_SSL_CERT_FILE: z
    .string()
    .optional()
    .describe(
      "Mutual TLS: PEM file of the hub's client certificate (`ssl.certificate.location`, with its chain), e.g. Strimzi's KafkaUser `user.crt`; with `EAI_KAFKA_SSL_KEY_FILE`.",
    ),
  EAI_KAFKA_SSL_KEY_FILE: z
    .string()
    .optional()
    .describe(
      "Mutual TLS: PEM file of the client certificate's private key (`ssl.key.location`), with `EAI_KAFKA_SSL_KEY_PASSWORD` when it is encrypted. Re-read at each new transport, so a rotated certificate needs no restart of a probe's clients.",
    ),
  EAI_KAFKA_SSL_KEY_PASSWORD: z
    .string()
    .optional()
    .describe('Passphrase of an encrypted `EAI_KAFKA_SSL_KEY_FILE` (`ssl.key.password`). Never logged.'),
});

/**
 * A resolved Kafka security setting. The password and keys are not enumerable: JSON.stringify, pino and util.inspect
 * show only `describe()`'s redacted description.
 */
export class KafkaSecurity {
  readonly protocol: SecurityProtocol;
  readonly mechanism: SaslMechanism | undefined;
  /** True when the TLS material names a CA file (a private CA) rather than the system's CAs. */
  readonly privateCa: boolean;
  readonly mutualTls: boolean;
  declare readonly sasl: SaslSetting | undefined;
  declare readonly tls: ConnectionOptions | undefined;

  constructor(options: { protocol: SecurityProtocol; sasl?: SaslSetting; tls?: ConnectionOptions }) {
    this.protocol = options.protocol;
    this.mechanism = options.sasl?.mechanism;
    this.privateCa = options.tls?.ca !== undefined;
    this.mutualTls = options.tls?.cert !== undefined;
    Object.defineProperty(this, 'sasl', { value: options.sasl, enumerable: false });
    Object.defineProperty(this, 'tls', { value: options.tls, enumerable: false });
  }

  get usesTls(): boolean {
    return this.protocol === 'SSL' || this.protocol === 'SASL_SSL';
  }

  /** What may be shown: the protocol, the mechanism, whether a private CA and a client certificate are used. */
  describe(): string {
    return [
      this.protocol,
      this.mechanism,
      this.privateCa ? 'private CA' : undefined,
      this.mutualTls ? 'client certificate' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
  }

  toJSON(): string {
    return this.describe();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `KafkaSecurity(${this.describe()})`;
  }

  /** kafkajs's `ssl` and `sasl` options of `new Kafka({...})`. */
  kafkajsOptions(): { ssl?: ConnectionOptions | boolean; sasl?: SASLOptions | Mechanism } {
    const sasl = this.sasl;
    return {
      ...(this.usesTls ? { ssl: this.tls ?? true } : {}),
      ...(sasl?.mechanism === 'OAUTHBEARER'
        ? { sasl: oauthBearerMechanism(sasl.provider) }
        : sasl
          ? {
              sasl: {
                mechanism: sasl.mechanism.toLowerCase(),
                username: sasl.username,
                password: sasl.password,
              } as SASLOptions,
            }
          : {}),
    };
  }
}

/** SASL with a user and password (PLAIN, SCRAM), or OAUTHBEARER with a token provider. */
export type SaslSetting =
  | { mechanism: Exclude<SaslMechanism, 'OAUTHBEARER'>; username: string; password: string }
  | {
      mechanism: 'OAUTHBEARER';
      provider: () => Promise<{ value: string; extensions?: Record<string, string> }>;
    };

export const PLAINTEXT_SECURITY = new KafkaSecurity({ protocol: 'PLAINTEXT' });

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';
const PEM_KEY = /-----BEGIN (?:[A-Z]+ )?(?:ENCRYPTED )?PRIVATE KEY-----/;

function pemFile(variable: string, path: string, kind: 'certificate' | 'key'): string {
  const text = readNamedFile(variable, path);
  const ok = kind === 'certificate' ? text.includes(PEM_CERTIFICATE) : PEM_KEY.test(text);
  if (!ok)
    throw new FieldError(
      variable,
      `${path} holds no PEM ${kind === 'certificate' ? `certificate (${PEM_CERTIFICATE})` : 'private key (-----BEGIN PRIVATE KEY-----)'}; a JKS or PKCS#12 store converts with keytool / openssl to PEM`,
    );
  return text;
}

const trimmed = (value: string | undefined) => value?.trim() || undefined;

/**
 * The Kafka security of the environment's variables (unset: PLAINTEXT). A mismatch is a FieldError (a ConfigError)
 * whose one line names the variable and what to set: a SASL mechanism without a SASL protocol, SASL without a user,
 * a CA file with PLAINTEXT, a client certificate without its key.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  const protocolText = trimmed(env.EAI_KAFKA_SECURITY_PROTOCOL)?.toUpperCase();
  const mechanismText = trimmed(env.EAI_KAFKA_SASL_MECHANISM)?.toUpperCase();
  const parsed = kafkaSecurityEnvSchema.shape.EAI_KAFKA_SECURITY_PROTOCOL.safeParse(protocolText);
  if (!parsed.success)
    throw new FieldError(
      'EAI_KAFKA_SECURITY_PROTOCOL',
      `${JSON.stringify(env.EAI_KAFKA_SECURITY_PROTOCOL)} is not a protocol: set one of ${SECURITY_PROTOCOLS.join(', ')}`,
    );
  const protocol = parsed.data;
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const username = trimmed(env.EAI_KAFKA_SASL_USERNAME);
  const password = secretFromEnv(env, 'EAI_KAFKA_SASL_PASSWORD');
  const passwordVariable = env.EAI_KAFKA_SASL_PASSWORD_FILE?.trim()
    ? 'EAI_KAFKA_SASL_PASSWORD_FILE'
    : 'EAI_KAFKA_SASL_PASSWORD';

  const oauth = oauthVariables(env);
  let sasl: SaslSetting | undefined;
  if (usesSasl) {
    const mechanism = kafkaSecurityEnvSchema.shape.EAI_KAFKA_SASL_MECHANISM.safeParse(mechanismText);
    if (!mechanism.success || !mechanism.data)
      throw new FieldError(
        'EAI_KAFKA_SASL_MECHANISM',
        `${mechanismText ? `${JSON.stringify(env.EAI_KAFKA_SASL_MECHANISM)} is not supported` : `required with EAI_KAFKA_SECURITY_PROTOCOL=${protocol}`}: set one of ${SASL_MECHANISMS.join(', ')}`,
      );
    if (mechanism.data === 'OAUTHBEARER') {
      const stray = [
        ['EAI_KAFKA_SASL_USERNAME', username],
        [passwordVariable, password],
      ].find(([, value]) => value !== undefined);
      if (stray)
        throw new FieldError(
          stray[0]!,
          `set, but OAUTHBEARER takes no user or password: set EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID and EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET instead, and unset ${stray[0]}`,
        );
      return new KafkaSecurity({
        protocol,
        sasl: { mechanism: 'OAUTHBEARER', provider: oauthTokenProvider(oauthSettings(oauth)) },
        tls: tlsFromEnv(env, protocol, usesTls),
      });
    }
    const strayOauth = oauth.find(([, value]) => value !== undefined);
    if (strayOauth)
      throw new FieldError(
        strayOauth[0],
        `set, but EAI_KAFKA_SASL_MECHANISM=${mechanism.data}: set EAI_KAFKA_SASL_MECHANISM=OAUTHBEARER, or unset ${strayOauth[0]}`,
      );
    if (!username)
      throw new FieldError(
        'EAI_KAFKA_SASL_USERNAME',
        `required with ${protocol} and ${mechanism.data}: set the user`,
      );
    if (password === undefined)
      throw new FieldError(
        'EAI_KAFKA_SASL_PASSWORD',
        `required with ${protocol} and ${mechanism.data}: set it, or EAI_KAFKA_SASL_PASSWORD_FILE to a file holding it`,
      );
    sasl = { mechanism: mechanism.data, username, password };
  } else {
    const stray = [
      ['EAI_KAFKA_SASL_MECHANISM', mechanismText],
      ['EAI_KAFKA_SASL_USERNAME', username],
      [passwordVariable, password],
      ...oauth,
    ].find(([, value]) => value !== undefined);
    if (stray)
      throw new FieldError(
        stray[0]!,
        `set, but EAI_KAFKA_SECURITY_PROTOCOL=${protocol} uses no SASL: set EAI_KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT), or unset ${stray[0]}`,
      );
  }

  return new KafkaSecurity({ protocol, sasl, tls: tlsFromEnv(env, protocol, usesTls) });
}

/** The TLS material of the environment's variables (undefined without TLS, where setting any is an error). */
function tlsFromEnv(
  env: NodeJS.ProcessEnv,
  protocol: SecurityProtocol,
  usesTls: boolean,
): ConnectionOptions | undefined {
  const caFile = trimmed(env.EAI_KAFKA_SSL_CA_FILE);
  const certFile = trimmed(env.EAI_KAFKA_SSL_CERT_FILE);
  const keyFile = trimmed(env.EAI_KAFKA_SSL_KEY_FILE);
  const keyPassword = env.EAI_KAFKA_SSL_KEY_PASSWORD || undefined;
  let tls: ConnectionOptions | undefined;
  if (usesTls) {
    if (certFile && !keyFile)
      throw new FieldError(
        'EAI_KAFKA_SSL_KEY_FILE',
        'required with EAI_KAFKA_SSL_CERT_FILE: the client certificate’s key',
      );
    if (keyFile && !certFile)
      throw new FieldError(
        'EAI_KAFKA_SSL_CERT_FILE',
        'required with EAI_KAFKA_SSL_KEY_FILE: the key’s client certificate',
      );
    if (keyPassword !== undefined && !keyFile)
      throw new FieldError(
        'EAI_KAFKA_SSL_KEY_PASSWORD',
        'set without EAI_KAFKA_SSL_KEY_FILE: unset it, or set the key file',
      );
    tls = {
      ...(caFile ? { ca: pemFile('EAI_KAFKA_SSL_CA_FILE', caFile, 'certificate') } : {}),
      ...(certFile && keyFile
        ? {
            cert: pemFile('EAI_KAFKA_SSL_CERT_FILE', certFile, 'certificate'),
            key: pemFile('EAI_KAFKA_SSL_KEY_FILE', keyFile, 'key'),
            ...(keyPassword !== undefined ? { passphrase: keyPassword } : {}),
          }
        : {}),
    };
  } else {
    const stray = [
      ['EAI_KAFKA_SSL_CA_FILE', caFile],
      ['EAI_KAFKA_SSL_CERT_FILE', certFile],
      ['EAI_KAFKA_SSL_KEY_FILE', keyFile],
      ['EAI_KAFKA_SSL_KEY_PASSWORD', keyPassword],
    ].find(([, value]) => value !== undefined);
    if (stray)
      throw new FieldError(
        stray[0]!,
        `set, but EAI_KAFKA_SECURITY_PROTOCOL=${protocol} uses no TLS: set EAI_KAFKA_SECURITY_PROTOCOL=SSL (or SASL_SSL), or unset ${stray[0]}`,
      );
  }
  return tls;
}

/** The OAUTHBEARER variables, each with its value (a secret's from its file), for the checks of what is set where. */
function oauthVariables(env: NodeJS.ProcessEnv): Array<[string, string | undefined]> {
  const secretVariable = env.EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE?.trim()
    ? 'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE'
    : 'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET';
  return [
    [
      'EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
      trimmed(env.EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL),
    ],
    ['EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID', trimmed(env.EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID)],
    [secretVariable, secretFromEnv(env, 'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET')],
    ['EAI_KAFKA_SASL_OAUTHBEARER_SCOPE', trimmed(env.EAI_KAFKA_SASL_OAUTHBEARER_SCOPE)],
    ['EAI_KAFKA_SASL_OAUTHBEARER_EXTENSIONS', trimmed(env.EAI_KAFKA_SASL_OAUTHBEARER_EXTENSIONS)],
    ['EAI_KAFKA_SASL_OAUTHBEARER_CA_FILE', trimmed(env.EAI_KAFKA_SASL_OAUTHBEARER_CA_FILE)],
  ];
}

/** The variables OAUTHBEARER's settings come from, named in its one-line refusals. */
export const KAFKA_OAUTH_VARIABLES: OAuthVariables = {
  tokenEndpointUrl: 'EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
  clientId: 'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID',
  clientSecret: 'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET',
  scope: 'EAI_KAFKA_SASL_OAUTHBEARER_SCOPE',
  ca: 'EAI_KAFKA_SASL_OAUTHBEARER_CA_FILE',
};

/** The token endpoint's client settings: the endpoint an http(s) URL, the client id and secret required. */
function oauthSettings(variables: Array<[string, string | undefined]>): OAuthClientSettings {
  const value = (name: string) => variables.find(([variable]) => variable.startsWith(name))?.[1];
  const endpoint = value('EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL');
  if (!endpoint)
    throw new FieldError(
      'EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
      "required with OAUTHBEARER: set the identity provider's token endpoint (its discovery document's token_endpoint)",
    );
  const url = tokenEndpointUrl(
    'EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
    endpoint,
    'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID and _CLIENT_SECRET',
  );
  const clientId = value('EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID');
  if (!clientId)
    throw new FieldError(
      'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID',
      'required with OAUTHBEARER: set the OAuth client id',
    );
  const clientSecret = value('EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET');
  if (clientSecret === undefined)
    throw new FieldError(
      'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET',
      'required with OAUTHBEARER: set it, or EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE to a file holding it',
    );
  const extensionsText = value('EAI_KAFKA_SASL_OAUTHBEARER_EXTENSIONS');
  let extensions: Record<string, string> | undefined;
  if (extensionsText)
    try {
      extensions = parseSaslExtensions(extensionsText);
    } catch (error) {
      throw new FieldError(
        'EAI_KAFKA_SASL_OAUTHBEARER_EXTENSIONS',
        `${(error as Error).message} (as key=value,key=value)`,
      );
    }
  const caFile = value('EAI_KAFKA_SASL_OAUTHBEARER_CA_FILE');
  const scope = value('EAI_KAFKA_SASL_OAUTHBEARER_SCOPE');
  return {
    variables: KAFKA_OAUTH_VARIABLES,
    tokenEndpointUrl: url,
    clientId,
    clientSecret,
    ...(scope ? { scope } : {}),
    ...(extensions ? { extensions } : {}),
    ...(caFile ? { ca: pemFile('EAI_KAFKA_SASL_OAUTHBEARER_CA_FILE', caFile, 'certificate') } : {}),
  };
}
