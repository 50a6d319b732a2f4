import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.ts';
import { type Principal, roleSchema } from './roles.ts';

/**
 * Admin tokens are configured hashed: the hub keeps only SHA-256 digests of them, so a leaked config or heap dump
 * holds no usable credential. A presented token is hashed and compared in constant time.
 */
export const adminTokenSchema = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')
    .describe('Who the token belongs to: shown in logs and by GET /api/whoami.'),
  role: roleSchema,
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (the SHA-256 of the token)')
    .transform((hex) => hex.toLowerCase())
    .describe('Hex SHA-256 of the token (`eai admin-token` or hashToken() prints it).'),
});
export type AdminToken = z.input<typeof adminTokenSchema>;

/** What `Authorization: Bearer <token>` may carry (RFC 6750's b64token, '=' anywhere), as ops/api/auth.ts reads it. */
export const BEARER_TOKEN = /^[A-Za-z0-9._~+/=-]+$/;

/** Fewer random bytes than this in a plain EAI_ADMIN_TOKEN would be guessable. */
const minPlainTokenLength = 24;

/** Hex SHA-256 of a token, as configured in `AdminToken.sha256`. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token: 32 bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export const adminEnvSchema = z.object({
  EAI_ADMIN_TOKENS: z
    .string()
    .optional()
    .describe('Comma-separated admin tokens as `name:role:sha256hex` (role: viewer, operator or admin).'),
  EAI_ADMIN_TOKEN: z
    .string()
    .optional()
    .describe(
      'One plain admin token (role admin, name `admin`), hashed in memory at start; for development.',
    ),
});

function parseEntry(entry: string, index: number): AdminToken {
  const where = `EAI_ADMIN_TOKENS entry ${index}`;
  const parts = entry.split(':');
  // The entry is never quoted: one that is not three parts may be a plain token put in the wrong variable.
  if (parts.length !== 3)
    throw new ConfigError(
      `${where}: expected name:role:sha256hex (npx eai admin-token prints one; a plain token goes in EAI_ADMIN_TOKEN)`,
    );
  const [name, role, sha256] = parts.map((p) => p.trim());
  const parsed = adminTokenSchema.safeParse({ name, role, sha256 });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path[0] === 'role' ? `role "${role}"` : issue.path.join('.');
    throw new ConfigError(`${where}: ${field} ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Reads the admin tokens from `EAI_ADMIN_TOKENS` (hashed entries) and `EAI_ADMIN_TOKEN` (one plain admin token,
 * hashed here and not kept). A bad entry is a ConfigError naming the variable and the entry's index (from 0);
 * no error message repeats a token.
 */
export function adminTokensFromEnv(env: NodeJS.ProcessEnv = process.env): AdminToken[] {
  const vars = adminEnvSchema.parse({
    EAI_ADMIN_TOKENS: env.EAI_ADMIN_TOKENS,
    EAI_ADMIN_TOKEN: env.EAI_ADMIN_TOKEN,
  });
  // Set to nothing but whitespace: a token meant and lost (an empty secret mounted, a blank line in a .env file); the
  // hub would start answering 401 to everyone without a word. Unset it for no tokens.
  if (vars.EAI_ADMIN_TOKENS !== undefined && vars.EAI_ADMIN_TOKENS !== '' && !vars.EAI_ADMIN_TOKENS.trim())
    throw new ConfigError(
      'EAI_ADMIN_TOKENS: is only whitespace: give name:role:sha256hex entries (npx eai admin-token prints one), or unset it',
    );
  const tokens: AdminToken[] = [];
  const labels: string[] = [];
  (vars.EAI_ADMIN_TOKENS ?? '').split(',').forEach((entry, index) => {
    if (!entry.trim()) return;
    tokens.push(parseEntry(entry.trim(), index));
    labels.push(`EAI_ADMIN_TOKENS entry ${index}`);
  });
  if (vars.EAI_ADMIN_TOKEN !== undefined) {
    const plain = vars.EAI_ADMIN_TOKEN.trim();
    if (!plain)
      throw new ConfigError(
        'EAI_ADMIN_TOKEN: is empty or only whitespace: give a token (make one with `eai admin-token`), or unset it',
      );
    if (plain.length < minPlainTokenLength) {
      throw new ConfigError(
        `EAI_ADMIN_TOKEN: must be at least ${minPlainTokenLength} characters (make one with \`eai admin-token\`)`,
      );
    }
    // A bearer token is RFC 6750's b64token: one with a space, '!' or '#' could never be sent in a header the hub takes.
    if (!BEARER_TOKEN.test(plain)) {
      throw new ConfigError(
        'EAI_ADMIN_TOKEN: may hold only letters, digits and - . _ ~ + / = (a bearer token, RFC 6750); make one with `eai admin-token` or `openssl rand -base64 32`',
      );
    }
    tokens.push({ name: 'admin', role: 'admin', sha256: hashToken(plain) });
    labels.push('EAI_ADMIN_TOKEN');
  }
  return checkedTokens(tokens, (index) => labels[index]!);
}

/** Validates a token list: each entry well formed, names and digests unique. */
export function checkedTokens(
  tokens: AdminToken[],
  label: (index: number) => string = (index) => `admin token ${index}`,
): AdminToken[] {
  const names = new Set<string>();
  const digests = new Set<string>();
  return tokens.map((token, index) => {
    const parsed = adminTokenSchema.safeParse(token);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`${label(index)}: ${issue.path.join('.')} ${issue.message}`);
    }
    const { name, sha256 } = parsed.data;
    if (names.has(name)) throw new ConfigError(`${label(index)}: name "${name}" is used twice`);
    if (digests.has(sha256))
      throw new ConfigError(`${label(index)} ("${name}"): same token as another entry`);
    names.add(name);
    digests.add(sha256);
    return parsed.data;
  });
}

/** Finds whose token a request presents, comparing digests in constant time. */
export function createTokenVerifier(tokens: AdminToken[]): (presented: string) => Principal | undefined {
  const known = checkedTokens(tokens).map((t) => ({
    principal: { name: t.name, role: roleSchema.parse(t.role) },
    digest: Buffer.from(t.sha256, 'hex'),
  }));
  return (presented) => {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: Principal | undefined;
    // Every entry is compared, so the time taken does not tell which one matched.
    for (const entry of known) {
      if (timingSafeEqual(digest, entry.digest) && !found) found = entry.principal;
    }
    return found;
  };
}
