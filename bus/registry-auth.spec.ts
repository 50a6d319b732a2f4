import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { registryAuthFromEnv } from './registry-auth.ts';

describe('the schema registry credentials from the environment', () => {
  it('basic auth is Confluent’s basic.auth.user.info, sent as an Authorization header', () => {
    const auth = registryAuthFromEnv({ EAI_REGISTRY_BASIC_AUTH: 'KEY123:se:cret' });
    expect(auth.authorization).toBe(`Basic ${Buffer.from('KEY123:se:cret').toString('base64')}`);
    expect(auth.variable).toBe('EAI_REGISTRY_BASIC_AUTH');
    expect(JSON.stringify({ auth })).toBe('{"auth":"basic auth"}');
    expect(inspect(auth)).not.toContain(Buffer.from('KEY123:se:cret').toString('base64'));
  });

  it('a bearer token, or nothing', () => {
    expect(registryAuthFromEnv({ EAI_REGISTRY_BEARER_TOKEN: ' tok ' }).authorization).toBe('Bearer tok');
    expect(registryAuthFromEnv({}).authorization).toBeUndefined();
    expect(registryAuthFromEnv({}).refusal(401, 'https://sr')).toBe(
      'schema registry https://sr answered HTTP 401: it needs credentials: set EAI_REGISTRY_BASIC_AUTH (<key>:<secret>), EAI_REGISTRY_BEARER_TOKEN or EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL',
    );
  });

  it('a bad setting is one line naming the variable, without the secret', () => {
    const refused = (env: NodeJS.ProcessEnv) => {
      try {
        registryAuthFromEnv(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ EAI_REGISTRY_BASIC_AUTH: 'justakey' })).toMatch(
      /^EAI_REGISTRY_BASIC_AUTH: not <user>:<secret>/,
    );
    expect(refused({ EAI_REGISTRY_BASIC_AUTH: 'a:b', EAI_REGISTRY_BEARER_TOKEN: 't' })).toBe(
      'EAI_REGISTRY_BEARER_TOKEN: set together with EAI_REGISTRY_BASIC_AUTH: the registry takes one, keep one of them',
    );
    expect(refused({ EAI_REGISTRY_CA_FILE: '/nonexistent/ca.pem' })).toBe(
      'EAI_REGISTRY_CA_FILE: cannot read /nonexistent/ca.pem: no such file (ENOENT)',
    );
    const oauth = {
      EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL: 'https://idp.example.com/oauth2/token',
      EAI_REGISTRY_BEARER_AUTH_CLIENT_ID: 'eai-hub',
      EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET: 'Qz7-secret',
    };
    expect(JSON.stringify({ auth: registryAuthFromEnv(oauth) })).toBe('{"auth":"OAuth bearer auth"}');
    expect(refused({ ...oauth, EAI_REGISTRY_BASIC_AUTH: 'a:b' })).toBe(
      'EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL: set together with EAI_REGISTRY_BASIC_AUTH: the registry takes one, keep one of them',
    );
    expect(refused({ ...oauth, EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET: undefined })).toMatch(
      /^EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET: required with EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL/,
    );
    expect(refused({ ...oauth, EAI_REGISTRY_BEARER_AUTH_CLIENT_ID: ' ' })).toMatch(
      /^EAI_REGISTRY_BEARER_AUTH_CLIENT_ID: required/,
    );
    expect(refused({ ...oauth, EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL: 'idp/token' })).toBe(
      'EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL: "idp/token" is not a URL',
    );
    expect(refused({ EAI_REGISTRY_BEARER_AUTH_LOGICAL_CLUSTER: 'lsrc-1' })).toMatch(
      /^EAI_REGISTRY_BEARER_AUTH_LOGICAL_CLUSTER: set without EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL/,
    );
    expect(registryAuthFromEnv(oauth).refusal(401, 'https://sr')).toBe(
      'schema registry https://sr refused the OAuth token (HTTP 401): check EAI_REGISTRY_BEARER_AUTH_SCOPE, and that the registry trusts that identity provider',
    );
  });
});
