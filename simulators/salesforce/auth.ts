import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import type { WriteActor } from './cdc.ts';
import { sfError } from './errors.ts';
import { newId } from './ids.ts';
import type { SalesforceState } from './state.ts';

function oauthError(status: number, error: string, description: string): SimHttpError {
  return new SimHttpError(status, { error, error_description: description });
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** client_id/client_secret from the form body or from HTTP Basic, as the token endpoint accepts both. */
function clientCredentials(req: Request): { clientId?: string; clientSecret?: string } {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const basic = /^Basic (.+)$/i.exec(req.get('authorization') ?? '');
  if (basic?.[1]) {
    const [clientId, clientSecret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return { clientId, clientSecret };
  }
  return {
    clientId: typeof body.client_id === 'string' ? body.client_id : undefined,
    clientSecret: typeof body.client_secret === 'string' ? body.client_secret : undefined,
  };
}

/**
 * `POST /services/oauth2/token`, client-credentials flow. Any client id is accepted on first use and
 * bound to the secret it came with and to its own integration user; a different secret later fails.
 */
export function tokenRoute(router: Router, sim: SimContext<SalesforceState>): void {
  router.post('/services/oauth2/token', (req, res) => {
    const grantType = (req.body as Record<string, unknown> | undefined)?.grant_type;
    if (grantType !== 'client_credentials')
      throw oauthError(400, 'unsupported_grant_type', 'grant type not supported');
    const { clientId, clientSecret } = clientCredentials(req);
    if (!clientId) throw oauthError(400, 'invalid_client_id', 'client identifier invalid');
    if (!clientSecret) throw oauthError(400, 'invalid_client', 'invalid client credentials');
    const state = sim.state;
    state.clients[clientId] ??= { secret: clientSecret, userId: newId('005') };
    const client = state.clients[clientId];
    if (!sameSecret(client.secret, clientSecret))
      throw oauthError(400, 'invalid_client', 'invalid client credentials');
    const token = `${state.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    const issuedAt = Date.now();
    state.tokens[token] = { clientId, userId: client.userId, issuedAt };
    sim.markDirty();
    res.json({
      access_token: token,
      signature: randomBytes(32).toString('base64'),
      scope: 'api',
      instance_url: sim.url,
      id: `${sim.url}/id/${state.orgId}/${client.userId}`,
      token_type: 'Bearer',
      issued_at: String(issuedAt),
    });
  });
  // Lets a test make every session expire, as an admin revoking sessions would.
  router.post('/sim/expire-tokens', (_req, res) => {
    sim.state.tokens = {};
    sim.markDirty();
    res.status(204).end();
  });
}

/** The client named in `Sforce-Call-Options: client=...`, which takes precedence in changeOrigin. */
function callOptionsClient(req: Request): string | undefined {
  return /(?:^|,)\s*client=([^,]+)/.exec(req.get('sforce-call-options') ?? '')?.[1]?.trim();
}

export function actorOf(res: Response): WriteActor {
  return res.locals.actor as WriteActor;
}

/** Requires a bearer token on the data API and records who is calling for change events. */
export function requireSession(sim: SimContext<SalesforceState>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const match = /^(?:Bearer|OAuth) (.+)$/i.exec(req.get('authorization') ?? '');
    const session = match?.[1] ? sim.state.tokens[match[1]] : undefined;
    if (!session) throw sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    const version = String(req.params.version ?? 'v62.0').replace(/^v/, '');
    const client = callOptionsClient(req) ?? session.clientId;
    res.locals.actor = {
      userId: session.userId,
      changeOrigin: `com/salesforce/api/rest/${version};client=${client}`,
    } satisfies WriteActor;
    next();
  };
}
