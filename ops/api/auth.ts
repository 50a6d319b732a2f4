import { type Principal, type Role, roleAllows } from './roles.ts';

export interface Denial {
  status: 401 | 403;
  message: string;
  /** For the log line: why, without anything of the token. */
  reason: 'no token' | 'unknown token' | 'role too small';
  /** A known token's name (a 403): who tried, for the log line, as an allowed request's line names it. */
  principal?: string;
  headers: Record<string, string>;
}

const challenge = 'Bearer realm="eai"';

/** What a hub started without tokens answers: the newcomer's `eai up` then `eai connectors ls` (docs trial). */
const NO_TOKENS =
  'this hub has no admin tokens: start it with EAI_ADMIN_TOKEN set (24 characters or more; npx eai admin-token makes one) and send that token';

/**
 * Deny by default: a request passes only with `Authorization: Bearer <token>` of a known token whose role is at
 * least `required`. 401 (with a Bearer challenge, RFC 6750) when the caller is unknown, 403 when known but not
 * allowed.
 */
export function authenticate(
  header: string | undefined,
  required: Role,
  verify: (token: string) => Principal | undefined,
  /** Why the route needs `required`, for the 403 message (a read kept from viewers). */
  reason?: string,
  /** The hub was started without any token: no token can pass, and the 401 says how to give it one. */
  noTokens = false,
): { ok: true; principal: Principal } | { ok: false; denial: Denial } {
  const token = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header ?? '')?.[1];
  // Bearer and something that is no token (a space or a '!' in it): sent, but not one the hub could know.
  const malformed = !token && /^Bearer +\S/i.test(header ?? '');
  if (!token && !malformed) {
    return {
      ok: false,
      denial: {
        status: 401,
        message: noTokens ? NO_TOKENS : 'an admin token is required: Authorization: Bearer <token>',
        reason: 'no token',
        headers: { 'WWW-Authenticate': challenge },
      },
    };
  }
  const principal = token ? verify(token) : undefined;
  if (!principal) {
    return {
      ok: false,
      denial: {
        status: 401,
        message: noTokens ? NO_TOKENS : 'the admin token is not valid',
        reason: 'unknown token',
        headers: { 'WWW-Authenticate': `${challenge}, error="invalid_token"` },
      },
    };
  }
  if (!roleAllows(principal.role, required)) {
    return {
      ok: false,
      denial: {
        status: 403,
        message: `role ${principal.role} may not do this: it needs ${required}${reason ? ` (${reason})` : ''}`,
        reason: 'role too small',
        principal: principal.name,
        headers: { 'WWW-Authenticate': `${challenge}, error="insufficient_scope"` },
      },
    };
  }
  return { ok: true, principal };
}
