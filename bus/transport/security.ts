import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { readNamedFile, secretFromEnv } from '../../lib/env-secrets.ts';
import { FieldError } from '../../lib/errors.ts';

/**
 * How the hub's Kafka clients reach a secured cluster (Confluent Cloud, Amazon MSK, Aiven, Strimzi): TLS, SASL PLAIN
 * or SCRAM, mutual TLS. The variables are the Kafka clients' own settings, librdkafka's names after `EAI_KAFKA_`
 * (`security.protocol`, `sasl.mechanism`, `sasl.username`, `sasl.password`, `ssl.ca.location` as a `_FILE`), so a
 * client.properties of Confluent Cloud or MSK translates line by line. Key material and secrets come from files too
 * (`*_FILE`, as Kubernetes and Docker mount secrets); none of it is ever logged or shown: `KafkaSecurity` turns into
 * its redacted description wherever it is serialised.
 */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
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
      'With `SASL_PLAINTEXT` or `SASL_SSL` (required then), as `sasl.mechanism`: `PLAIN` (Confluent Cloud API keys), `SCRAM-SHA-256` or `SCRAM-SHA-512` (MSK, Aiven, Strimzi).',
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
  declare readonly sasl: { mechanism: SaslMechanism; username: string; password: string } | undefined;
  declare readonly tls: ConnectionOptions | undefined;

  constructor(options: {
    protocol: SecurityProtocol;
    sasl?: { mechanism: SaslMechanism; username: string; password: string };
    tls?: ConnectionOptions;
  }) {
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
  kafkajsOptions(): { ssl?: ConnectionOptions | boolean; sasl?: SASLOptions } {
    return {
      ...(this.usesTls ? { ssl: this.tls ?? true } : {}),
      ...(this.sasl
        ? {
            sasl: {
              mechanism: this.sasl.mechanism.toLowerCase(),
              username: this.sasl.username,
              password: this.sasl.password,
            } as SASLOptions,
          }
        : {}),
    };
  }
}

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

  let sasl: { mechanism: SaslMechanism; username: string; password: string } | undefined;
  if (usesSasl) {
    const mechanism = kafkaSecurityEnvSchema.shape.EAI_KAFKA_SASL_MECHANISM.safeParse(mechanismText);
    if (!mechanism.success || !mechanism.data)
      throw new FieldError(
        'EAI_KAFKA_SASL_MECHANISM',
        `${mechanismText ? `${JSON.stringify(env.EAI_KAFKA_SASL_MECHANISM)} is not supported` : `required with EAI_KAFKA_SECURITY_PROTOCOL=${protocol}`}: set one of ${SASL_MECHANISMS.join(', ')}`,
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
    ].find(([, value]) => value !== undefined);
    if (stray)
      throw new FieldError(
        stray[0]!,
        `set, but EAI_KAFKA_SECURITY_PROTOCOL=${protocol} uses no SASL: set EAI_KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT), or unset ${stray[0]}`,
      );
  }

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
  return new KafkaSecurity({ protocol, sasl, tls });
}
