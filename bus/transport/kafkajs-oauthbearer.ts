import kafkajs, { type AuthenticationProviderArgs, type Mechanism } from 'kafkajs';

// kafkajs is CommonJS and spreads its errors into its exports, which Node's named imports cannot see; its types
// give this error's constructor no message, which it takes (KafkaJSError's).
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (
  message: string,
) => Error;

/** An OAuth bearer token and the SASL extensions sent with it (Confluent Cloud's `logicalCluster`, …). */
export type OAuthBearerToken = { value: string; extensions?: Record<string, string> };

const SOH = '\u0001';

/** The client's first message (RFC 7628 §3.1): the GS2 header, the token, the extensions, two SOHs. */
export function oauthBearerInitialResponse(token: OAuthBearerToken): Buffer {
  const extensions = Object.entries(token.extensions ?? {})
    .map(([key, value]) => `${SOH}${key}=${value}`)
    .join('');
  return Buffer.from(`n,,${SOH}auth=Bearer ${token.value}${extensions}${SOH}${SOH}`);
}

/** `bytes` as the SaslAuthenticate request's BYTES field: kafkajs writes what a mechanism encodes as it is. */
function sized(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

/** The bytes of a SaslAuthenticate answer as kafkajs hands them over (with their 4-byte length first). */
function authBytes(raw: Buffer): Buffer {
  return raw.length >= 4 ? raw.subarray(4, 4 + raw.readInt32BE(0)) : Buffer.alloc(0);
}

/** `status` (and `scope`) of the broker's error challenge, e.g. `invalid_token`. */
function challengeStatus(challenge: Buffer): string {
  try {
    const json = JSON.parse(challenge.toString('utf8')) as { status?: unknown; scope?: unknown };
    const status = typeof json.status === 'string' ? json.status : 'refused';
    return typeof json.scope === 'string' && json.scope ? `${status}, scope ${json.scope}` : status;
  } catch {
    return 'refused';
  }
}

/**
 * SASL/OAUTHBEARER for kafkajs (its public custom-mechanism option), answering a refusal as RFC 7628 §3.2.2 asks.
 * A broker that does not accept the token answers the first message with an error challenge (`{"status":
 * "invalid_token"}`) and waits for the client's `%x01` before it fails the exchange. kafkajs's own mechanism takes
 * that challenge for success, so the refusal surfaced later, as whatever the next request met on a connection the
 * broker then closed: a closed connection mostly, "No brokers in the broker pool" now and then. This one sends the
 * `%x01`, reads the broker's own reason, and fails the connection at once with a KafkaJSSASLAuthenticationError,
 * which kafkajs does not retry.
 */
export function oauthBearerMechanism(provider: () => Promise<OAuthBearerToken>): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ host, port, logger, saslAuthenticate }: AuthenticationProviderArgs) => ({
      async authenticate() {
        const token = await provider();
        const broker = `${host}:${port}`;
        const challenge = await saslAuthenticate<Buffer>({
          request: { encode: () => sized(oauthBearerInitialResponse(token)) },
          response: { decode: authBytes, parse: (bytes) => bytes },
        });
        if (!challenge || challenge.length === 0) {
          logger.debug('SASL OAUTHBEARER authentication successful', { broker });
          return;
        }
        const status = challengeStatus(challenge);
        let reason = '';
        try {
          await saslAuthenticate({ request: { encode: () => sized(Buffer.from(SOH)) } });
        } catch (error) {
          // Kafka's own broker repeats the challenge as its reason; another may say more.
          const message = (error as Error).message;
          if (!message.startsWith('{')) reason = message;
        }
        throw new KafkaJSSASLAuthenticationError(
          `SASL OAUTHBEARER authentication failed: ${status}${reason ? ` (${reason})` : ''}`,
        );
      },
    }),
  };
}
