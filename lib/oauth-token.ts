import { Agent, fetch as undiciFetch } from 'undici';
import { errorMessage, FieldError, NonRetriableError, quotedText, withoutCredentials } from './errors.ts';

/**
 * An OAuth 2.0 access token by the client-credentials grant (RFC 6749 §4.4) at an identity provider's token endpoint
 * (Keycloak, Okta, Entra ID, Confluent Cloud identity pools), the client authenticated with HTTP Basic, as Kafka's
 * clients get SASL/OAUTHBEARER's token (librdkafka's `sasl.oauthbearer.method=oidc`, the Java client's
 * client-credentials retriever) and Confluent's registry clients their bearer token
 * (`bearer.auth.credentials.source=OAUTHBEARER`). The token is opaque here: the server validates it.
 *
 * Tokens are shared by every Kafka connection of the process that uses the same endpoint, client and scope, and
 * fetched again once 80 % of their lifetime has passed (Kafka's `sasl.login.refresh.window.factor`), so a hub with
 * dozens of connections asks once an hour, not once a connection; concurrent connections wait on one request.
 */
export interface OAuthClientSettings {
  /** The variables each setting came from, for the one line a refusal says (`EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID`…). */
  variables: OAuthVariables;
  tokenEndpointUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** SASL extensions sent with the token (Confluent Cloud: `logicalCluster`, `identityPoolId`). */
  extensions?: Record<string, string>;
  /** PEM of the CA that signed an `https` token endpoint's certificate (a private CA). */
  ca?: string;
}

export interface OAuthVariables {
  tokenEndpointUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  ca: string;
}

/** What kafkajs's `oauthBearerProvider` returns. */
export interface OAuthBearerToken {
  value: string;
  extensions?: Record<string, string>;
}

/** How long a token is taken to live when the endpoint names no `expires_in` and it is no JWT with an `exp`. */
const DEFAULT_LIFETIME_MS = 5 * 60_000;
const REFRESH_FACTOR = 0.8;
const REQUEST_TIMEOUT_MS = 10_000;

/** The token endpoint refused the client or answered no token: asking again cannot help. `variable`: what to check. */
export class OAuthTokenRefusedError extends NonRetriableError {
  readonly variable: string;
  constructor(message: string, variable: string, cause?: unknown) {
    super(message, { cause });
    this.variable = variable;
  }
}

interface Cached {
  token?: { value: string; refreshAt: number };
  pending?: Promise<string>;
}

const cache = new Map<string, Cached>();

/** The expiry a JWT's payload names (`exp`, seconds), or undefined for an opaque token. */
function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const exp = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error's OAuth `error` and `error_description` (RFC 6749 §5.2), or the start of the body, credentials it quotes
 * redacted, as a quoted value (`quotedText`): a proxy's or a misconfigured endpoint's page may hold anything (a user's
 * name, a session), so a viewer and the logs read `"…"`, an operator the text.
 */
function describeRefusal(status: number, body: string): string {
  try {
    const json = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof json.error === 'string')
      return `${status} ${json.error}${typeof json.error_description === 'string' ? `: ${json.error_description.slice(0, 200)}` : ''}`;
  } catch {}
  const start = withoutCredentials(body.trim().replace(/\s+/g, ' ')).slice(0, 120);
  return `${status}${start ? `: ${quotedText(start, 120)}` : ''}`;
}

async function requestToken(
  settings: OAuthClientSettings,
  dispatcher: Agent | undefined,
): Promise<{ value: string; refreshAt: number }> {
  const endpoint = settings.tokenEndpointUrl;
  const names = settings.variables;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (settings.scope) form.set('scope', settings.scope);
  // RFC 6749 §2.3.1: the id and the secret are form-encoded before they are joined for Basic.
  const basic = Buffer.from(
    `${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`,
  ).toString('base64');
  let response: Awaited<ReturnType<typeof undiciFetch>>;
  try {
    response = await undiciFetch(endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(dispatcher ? { dispatcher } : {}),
    });
  } catch (error) {
    const cause = errorMessage((error as { cause?: unknown }).cause ?? error);
    if (/certificate|self.signed|unable to verify/i.test(cause))
      throw new OAuthTokenRefusedError(
        `OAuth token endpoint ${endpoint}: its TLS certificate is not trusted (${cause}): set ${names.ca} to the PEM of the CA that signed it`,
        names.ca,
        error,
      );
    // Unreachable or slow: an outage, which kafkajs's connection retries wait out.
    throw new Error(`OAuth token endpoint ${endpoint} did not answer: ${cause}`, { cause: error });
  }
  const body = await response.text();
  if (response.status === 401 || response.status === 403 || response.status === 400)
    throw new OAuthTokenRefusedError(
      `OAuth token endpoint ${endpoint} refused the client (${describeRefusal(response.status, body)}): check ${names.clientId}, ${names.clientSecret}${settings.scope ? ` and ${names.scope}` : ''}`,
      names.clientSecret,
    );
  if (response.status === 404 || response.status === 405)
    throw new OAuthTokenRefusedError(
      `OAuth token endpoint ${endpoint} answered ${response.status}: ${names.tokenEndpointUrl} is not a token endpoint (the provider's discovery document names it: token_endpoint)`,
      names.tokenEndpointUrl,
    );
  if (!response.ok)
    throw new Error(`OAuth token endpoint ${endpoint} answered ${describeRefusal(response.status, body)}`);
  let json: { access_token?: unknown; expires_in?: unknown };
  try {
    json = JSON.parse(body);
  } catch {
    json = {};
  }
  if (typeof json.access_token !== 'string' || json.access_token === '')
    throw new OAuthTokenRefusedError(
      `OAuth token endpoint ${endpoint} answered ${response.status} without an access_token: ${names.tokenEndpointUrl} is not a token endpoint`,
      names.tokenEndpointUrl,
    );
  const now = Date.now();
  const expiresIn = Number(json.expires_in);
  const expiresAt =
    Number.isFinite(expiresIn) && expiresIn > 0
      ? now + expiresIn * 1000
      : (jwtExpiry(json.access_token) ?? now + DEFAULT_LIFETIME_MS);
  return { value: json.access_token, refreshAt: now + Math.max(0, expiresAt - now) * REFRESH_FACTOR };
}

/** The shared token for `settings` (kafkajs's `oauthBearerProvider`), fetched when there is none or it is due. */
export function oauthTokenProvider(settings: OAuthClientSettings): () => Promise<OAuthBearerToken> {
  const key = JSON.stringify([
    settings.tokenEndpointUrl,
    settings.clientId,
    settings.clientSecret,
    settings.scope ?? '',
  ]);
  const dispatcher = settings.ca ? new Agent({ connect: { ca: settings.ca } }) : undefined;
  const withExtensions = (value: string): OAuthBearerToken =>
    settings.extensions && Object.keys(settings.extensions).length > 0
      ? { value, extensions: settings.extensions }
      : { value };
  return async () => {
    let entry = cache.get(key);
    if (!entry) {
      entry = {};
      cache.set(key, entry);
    }
    if (entry.token && Date.now() < entry.token.refreshAt) return withExtensions(entry.token.value);
    const shared = entry;
    shared.pending ??= requestToken(settings, dispatcher)
      .then((token) => {
        shared.token = token;
        return token.value;
      })
      .finally(() => {
        shared.pending = undefined;
      });
    return withExtensions(await shared.pending);
  };
}

/** Forgets every token (tests; a process that changed its client settings). */
export function clearOAuthTokens(): void {
  cache.clear();
}

/**
 * `sasl.oauthbearer.extensions` as librdkafka takes it, `key=value,key=value` (Confluent Cloud:
 * `logicalCluster=lkc-abc12,identityPoolId=pool-Xyz9`). Keys are letters only and `auth` is reserved (RFC 7628 §3.1);
 * a value has no control characters. Throws a message naming what is wrong.
 */
export function parseSaslExtensions(text: string): Record<string, string> {
  const extensions: Record<string, string> = {};
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const at = entry.indexOf('=');
    if (at <= 0) throw new Error(`${JSON.stringify(entry)} is not key=value`);
    const name = entry.slice(0, at).trim();
    const value = entry.slice(at + 1).trim();
    if (!/^[A-Za-z]+$/.test(name)) throw new Error(`extension name ${JSON.stringify(name)}: letters only`);
    if (name === 'auth') throw new Error('extension name "auth" is reserved for the token');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the check is for control characters.
    if (/[\x00-\x1f\x7f]/.test(value))
      throw new Error(`extension ${name}: its value holds a control character`);
    extensions[name] = value;
  }
  return extensions;
}

/**
 * A token endpoint setting as the clients take it: a URL, https or http, without a user or password in it (those are
 * the client id and secret, `credentials` names their variables). A FieldError names `variable` otherwise.
 */
export function tokenEndpointUrl(variable: string, value: string, credentials: string): string {
  const url = URL.parse(value);
  if (!url) throw new FieldError(variable, `${JSON.stringify(value)} is not a URL`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new FieldError(variable, 'must be an https (or http) URL');
  if (url.username || url.password)
    throw new FieldError(variable, `must not hold a user or password: set ${credentials}`);
  return url.toString();
}
