import { NonRetriableError, RetriableError } from '../../lib/errors.ts';
import { OAuthTokenRefusedError } from '../../lib/oauth-token.ts';
import type { KafkaSecurity } from './security.ts';

/**
 * A connection to Kafka that fails for its security setting, not for an outage: a wrong password, a certificate
 * signed by a CA the hub does not trust, TLS against a PLAINTEXT listener or the other way round, a client
 * certificate the broker requires. Asking again cannot help (kafkajs retries these for a minute, as if the broker
 * were down); the one-line message names the variable to set. `variable` is that variable.
 */
export class KafkaSecurityError extends NonRetriableError {
  readonly variable: string;
  constructor(message: string, variable: string, cause: unknown) {
    super(message, { cause });
    this.variable = variable;
  }
}

interface Failure {
  name: string;
  message: string;
  code?: string;
  broker?: string;
}

/** The errors along a kafkajs error's causes (KafkaJSNumberOfRetriesExceeded → KafkaJSConnectionError …). */
function failures(error: unknown): Failure[] {
  const chain: Failure[] = [];
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    chain.push(e as Failure);
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return chain;
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

const CLIENT_CERTIFICATE_REFUSED =
  /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNKNOWN_CA|HANDSHAKE_FAILURE/;

/** What a broker's refusal of the OAUTHBEARER token means, with `detail` of how it refused. */
function refusedToken(at: string, detail: string): string {
  return `Kafka at ${at} refused the OAuth token from EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL (${detail}): the broker does not trust that identity provider's keys, or the token's audience, issuer or scope is not the one it expects (EAI_KAFKA_SASL_OAUTHBEARER_SCOPE)`;
}

/**
 * A kafkajs failure to reach the brokers at all (none listening, a wrong host or port), said in one line that names
 * where and what to set, as the CLI says it (cli/endpoints.ts); undefined for any other failure.
 */
export function kafkaUnreachable(error: unknown, brokers: string): RetriableError | undefined {
  const connection = failures(error).find((f) => f.name === 'KafkaJSConnectionError');
  if (!connection) return undefined;
  return new RetriableError(
    `cannot reach Kafka at ${brokers} (${connection.message}): is the stack up? npx eai stack up, or set KAFKA_BROKERS`,
    { cause: error },
  );
}

/**
 * The one-line KafkaSecurityError a kafkajs failure stands for under `security`, or undefined when it is none of
 * them (a broker down, a timeout: an outage, for the caller's retries). `brokers` names where the hub connected.
 */
export function explainKafkaFailure(
  error: unknown,
  security: KafkaSecurity,
  brokers: string,
): KafkaSecurityError | undefined {
  const chain = failures(error);
  const said = chain.find((f): f is Failure & KafkaSecurityError => f instanceof KafkaSecurityError);
  if (said) return said;
  // The OAUTHBEARER token provider's refusal (lib/oauth-token.ts), wrapped by kafkajs since.
  const token = chain.find((f): f is Failure & OAuthTokenRefusedError => f instanceof OAuthTokenRefusedError);
  if (token) return new KafkaSecurityError(token.message, token.variable, error);
  const at = chain.find((f) => f.broker)?.broker ?? brokers;
  const fail = (message: string, variable: string) => new KafkaSecurityError(message, variable, error);
  const protocol = `EAI_KAFKA_SECURITY_PROTOCOL=${security.protocol}`;
  for (const f of chain) {
    if (f.name === 'KafkaJSSASLAuthenticationError') {
      if (/mechanism is not supported|not enabled|UnsupportedSaslMechanism/i.test(f.message))
        return fail(
          `Kafka at ${at} does not offer SASL ${security.mechanism}: set EAI_KAFKA_SASL_MECHANISM to one it enables (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER; the cluster's client settings say which)`,
          'EAI_KAFKA_SASL_MECHANISM',
        );
      if (security.mechanism === 'OAUTHBEARER')
        return fail(
          refusedToken(at, f.message.replace(/^SASL OAUTHBEARER authentication failed: /, '').slice(0, 160)),
          'EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
        );
      return fail(
        `Kafka at ${at}: SASL authentication failed (${security.mechanism}): check EAI_KAFKA_SASL_USERNAME and EAI_KAFKA_SASL_PASSWORD (wrong user or password, or a user without ${security.mechanism} credentials)`,
        'EAI_KAFKA_SASL_PASSWORD',
      );
    }
    // SASL to a listener without it: the broker refuses the SaslHandshake (ILLEGAL_SASL_STATE).
    if (
      f.name === 'KafkaJSProtocolError' &&
      /ILLEGAL_SASL_STATE|current SASL state/.test(`${f.message} ${(f as { type?: string }).type ?? ''}`)
    )
      return fail(
        `Kafka at ${at} takes no SASL on that listener (it looks like ${security.usesTls ? 'SSL' : 'PLAINTEXT'}), and ${protocol}: check the port in KAFKA_BROKERS, or set EAI_KAFKA_SECURITY_PROTOCOL=${security.usesTls ? 'SSL' : 'PLAINTEXT'}`,
        'EAI_KAFKA_SECURITY_PROTOCOL',
      );
    const code = f.code ?? '';
    if (UNTRUSTED.has(code))
      return fail(
        security.privateCa
          ? `Kafka at ${at}: its TLS certificate is not signed by the CA in EAI_KAFKA_SSL_CA_FILE (${code}): set EAI_KAFKA_SSL_CA_FILE to the PEM of the CA that signed the brokers' certificates`
          : `Kafka at ${at}: its TLS certificate is not signed by a CA the system trusts (${code}): set EAI_KAFKA_SSL_CA_FILE to the PEM of the CA that signed it (Strimzi: the cluster CA's ca.crt)`,
        'EAI_KAFKA_SSL_CA_FILE',
      );
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
      return fail(
        `Kafka at ${at}: its TLS certificate is not for that host name (${f.message.replace(/^Connection error: /, '')}): use a broker address the certificate names in KAFKA_BROKERS`,
        'KAFKA_BROKERS',
      );
    if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
      return fail(
        `Kafka at ${at}: its TLS certificate is not valid now (${code}): the broker's certificate needs renewing, or this machine's clock is off`,
        'EAI_KAFKA_SSL_CA_FILE',
      );
    if (CLIENT_CERTIFICATE_REFUSED.test(code))
      return fail(
        security.mutualTls
          ? `Kafka at ${at} refused the client certificate (${code}): EAI_KAFKA_SSL_CERT_FILE must be signed by a CA the broker trusts (and EAI_KAFKA_SSL_KEY_FILE be its key)`
          : `Kafka at ${at} requires a client certificate (mutual TLS, ${code}): set EAI_KAFKA_SSL_CERT_FILE and EAI_KAFKA_SSL_KEY_FILE`,
        'EAI_KAFKA_SSL_CERT_FILE',
      );
    // TLS to a PLAINTEXT listener: the broker reads the ClientHello as a request and drops the connection.
    if (
      security.usesTls &&
      (code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
        /before secure TLS connection was established|wrong version number|packet length too long/i.test(
          f.message,
        ))
    )
      return fail(
        `Kafka at ${at} dropped the TLS handshake: that listener looks like PLAINTEXT (or SASL_PLAINTEXT), not TLS: check the port in KAFKA_BROKERS, or ${protocol}`,
        'EAI_KAFKA_SECURITY_PROTOCOL',
      );
    // No TLS (or no SASL) to a listener that wants it: the broker closes the connection at the first request.
    if (
      f.name === 'KafkaJSConnectionClosedError' ||
      /^Closed connection|Connection closed by the server/.test(f.message)
    ) {
      if (!security.usesTls)
        return fail(
          `Kafka at ${at} closed the connection at the first request: that listener looks like TLS (SSL or SASL_SSL), and ${protocol}: set EAI_KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SSL), or check the port in KAFKA_BROKERS`,
          'EAI_KAFKA_SECURITY_PROTOCOL',
        );
      // A refused token from a broker that closes the connection instead of answering with an error challenge
      // (which kafkajs-oauthbearer.ts reads and reports as a KafkaJSSASLAuthenticationError, above).
      if (security.mechanism === 'OAUTHBEARER')
        return fail(
          refusedToken(at, 'it closed the connection after the SASL exchange'),
          'EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL',
        );
      if (!security.mechanism)
        return fail(
          `Kafka at ${at} closed the connection after the TLS handshake: that listener looks like SASL_SSL, and ${protocol}: set EAI_KAFKA_SECURITY_PROTOCOL=SASL_SSL with EAI_KAFKA_SASL_MECHANISM, or check the port in KAFKA_BROKERS`,
          'EAI_KAFKA_SECURITY_PROTOCOL',
        );
    }
  }
  return undefined;
}
