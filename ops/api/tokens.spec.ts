import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { adminTokensFromEnv, hashToken, newToken } from './tokens.ts';

const digest = (c: string) => c.repeat(64);

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    adminTokensFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('admin tokens', () => {
  it('hashes as hex SHA-256 and makes 32 random bytes in base64url', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(a);
  });

  it('reads name:role:sha256 entries and one plain admin token, keeping only hashes', () => {
    const plain = newToken();
    const tokens = adminTokensFromEnv({
      EAI_ADMIN_TOKENS: ` dashboard:viewer:${digest('A')} ,, oncall:operator:${digest('b')}`,
      EAI_ADMIN_TOKEN: plain,
    });
    expect(tokens).toEqual([
      { name: 'dashboard', role: 'viewer', sha256: digest('a') },
      { name: 'oncall', role: 'operator', sha256: digest('b') },
      { name: 'admin', role: 'admin', sha256: hashToken(plain) },
    ]);
    expect(JSON.stringify(tokens)).not.toContain(plain);
    expect(adminTokensFromEnv({})).toEqual([]);
  });

  it('names the variable, the entry and the field of a bad entry', () => {
    const entries = (second: string) => ({ EAI_ADMIN_TOKENS: `ok:viewer:${digest('a')},${second}` });
    expect(configError(entries(`bot:root:${digest('b')}`)).message).toBe(
      'EAI_ADMIN_TOKENS entry 1: role "root" must be viewer, operator or admin',
    );
    expect(configError(entries('bot:admin:abc123')).message).toBe(
      'EAI_ADMIN_TOKENS entry 1: sha256 must be 64 hex digits (the SHA-256 of the token)',
    );
    expect(configError(entries('bot:admin')).message).toBe(
      'EAI_ADMIN_TOKENS entry 1: expected name:role:sha256hex (npx eai admin-token prints one; a plain token goes in EAI_ADMIN_TOKEN)',
    );
    // A plain token in the wrong variable is not repeated in the message.
    const plain = 'Zb-inhh_TQHBA-nFvwpA2jrRX-oJEBpuTtlSf9ARMa8';
    expect(configError(entries(plain)).message).not.toContain(plain);
    expect(configError(entries(`bad name:admin:${digest('b')}`)).message).toMatch(
      /^EAI_ADMIN_TOKENS entry 1: name must be 1-64 letters/,
    );
    expect(configError(entries(`ok:admin:${digest('b')}`)).message).toBe(
      'EAI_ADMIN_TOKENS entry 1: name "ok" is used twice',
    );
    expect(configError(entries(`other:admin:${digest('A')}`)).message).toBe(
      'EAI_ADMIN_TOKENS entry 1 ("other"): same token as another entry',
    );
  });

  it('refuses a plain token no Authorization header could carry, without repeating it', () => {
    // Seen in the ops trial: EAI_ADMIN_TOKEN='correct horse battery staple 42!' started the hub, and every request
    // with that token was answered 401 "an admin token is required", the token never matching.
    const error = configError({ EAI_ADMIN_TOKEN: 'correct horse battery staple 42!' });
    expect(error.message).toMatch(/^EAI_ADMIN_TOKEN: may hold only letters, digits and - \. _ ~ \+ \/ =/);
    expect(error.message).not.toContain('correct horse');
    // What `openssl rand -base64 32` and `eai admin-token` make is taken.
    expect(
      adminTokensFromEnv({ EAI_ADMIN_TOKEN: 'q0Hk+3/Zx9vLr5TbWm2Pa8YcNe4Uf7Sd1Jg6Ai0Xo2E=' }),
    ).toHaveLength(1);
  });

  it('refuses a short plain token without repeating it', () => {
    const error = configError({ EAI_ADMIN_TOKEN: 'letmein-please' });
    expect(error.message).toMatch(/^EAI_ADMIN_TOKEN: must be at least 24 characters/);
    expect(error.message).not.toContain('letmein-please');
  });

  it('refuses a token variable of nothing but whitespace, naming it, where it took no tokens or failed on the length', () => {
    expect(configError({ EAI_ADMIN_TOKENS: '  \t ' }).message).toMatch(
      /^EAI_ADMIN_TOKENS: is only whitespace: give name:role:sha256hex entries/,
    );
    expect(configError({ EAI_ADMIN_TOKEN: '   ' }).message).toMatch(
      /^EAI_ADMIN_TOKEN: is empty or only whitespace: give a token/,
    );
    // Unset (or set to nothing, as an env file's `EAI_ADMIN_TOKENS=`): no tokens, every admin route answers 401.
    expect(adminTokensFromEnv({ EAI_ADMIN_TOKENS: '' })).toEqual([]);
  });
});
