import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A small OAuth 2.0 / OIDC identity provider of a test's own, standing in for Keycloak or Okta in front of a Kafka
 * cluster: a token endpoint answering the client-credentials grant (client authenticated with HTTP Basic, RFC 6749
 * §2.3.1) with an RS256-signed JWT access token, and the JWKS endpoint the broker's OAuthBearerValidatorCallbackHandler
 * fetches its keys from. `rogueClient` gets a token signed by a key the JWKS does not hold (a provider the broker does
 * not trust). It keeps what each token request asked for (client and scope, never the secret).
 */
export interface OidcProvider {
  /** The `iss` of its tokens. */
  issuer: string;
  tokenUrl: string;
  jwksUrl: string;
  client: { id: string; secret: string };
  rogueClient: { id: string; secret: string };
  /** Each token request's client id and scope, in order. */
  requests: Array<{ clientId: string; scope: string | undefined }>;
  /** True for a token this provider issued with its trusted key. */
  issued(token: string): boolean;
  /** Lifetime of the tokens issued from now on (`expires_in`), seconds. */
  lifetimeSeconds: number;
  close(): Promise<void>;
}

function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
  return `${input}.${signature}`;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startOidcProvider(port: number): Promise<OidcProvider> {
  const trusted = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'eai-test-key';
  const trustedTokens = new Set<string>();
  const base = `http://127.0.0.1:${port}`;
  const provider: OidcProvider = {
    issuer: `${base}/realms/eai`,
    tokenUrl: `${base}/realms/eai/protocol/openid-connect/token`,
    jwksUrl: `${base}/realms/eai/protocol/openid-connect/certs`,
    client: { id: 'eai-hub', secret: 'hub secret/with+signs' },
    rogueClient: { id: 'rogue', secret: 'rogue-secret' },
    requests: [],
    issued: (token) => trustedTokens.has(token),
    lifetimeSeconds: 300,
    close: async () => undefined,
  };
  const json = (status: number, value: unknown) => ({ status, body: JSON.stringify(value) });
  const answer = async (request: IncomingMessage): Promise<{ status: number; body: string }> => {
    const path = new URL(request.url ?? '/', base).pathname;
    if (request.method === 'GET' && path === new URL(provider.jwksUrl).pathname)
      return json(200, {
        keys: [{ ...trusted.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
      });
    if (path !== new URL(provider.tokenUrl).pathname) return json(404, { error: 'not_found' });
    if (request.method !== 'POST') return json(405, { error: 'invalid_request' });
    const form = new URLSearchParams(await bodyOf(request));
    const [scheme, encoded] = (request.headers.authorization ?? '').split(' ');
    const [id, secret] = Buffer.from(encoded ?? '', 'base64')
      .toString('utf8')
      .split(':')
      .map((part) => decodeURIComponent(part));
    if (scheme !== 'Basic' || form.get('grant_type') !== 'client_credentials')
      return json(400, { error: 'invalid_request', error_description: 'client_credentials with Basic only' });
    const known = [provider.client, provider.rogueClient].find((c) => c.id === id && c.secret === secret);
    if (!known)
      return json(401, { error: 'invalid_client', error_description: 'Invalid client credentials' });
    const scope = form.get('scope') ?? undefined;
    provider.requests.push({ clientId: known.id, scope });
    const now = Math.floor(Date.now() / 1000);
    const key = known === provider.rogueClient ? rogue.privateKey : trusted.privateKey;
    const token = signJwt(key, kid, {
      iss: provider.issuer,
      sub: known.id,
      aud: 'kafka',
      iat: now,
      exp: now + provider.lifetimeSeconds,
      ...(scope ? { scope } : {}),
    });
    if (known === provider.client) trustedTokens.add(token);
    return json(200, {
      access_token: token,
      token_type: 'Bearer',
      expires_in: provider.lifetimeSeconds,
    });
  };
  const server: Server = createServer((request, response) => {
    answer(request).then(
      ({ status, body }) => response.writeHead(status, { 'content-type': 'application/json' }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  provider.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return provider;
}
