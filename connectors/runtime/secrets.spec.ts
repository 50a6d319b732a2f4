// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written as plain strings
import { describe, expect, it } from 'vitest';
import { literalSecrets, redactConfig } from './secrets.ts';

describe('connector secrets', () => {
  const config = {
    url: 'https://odoo.example.com',
    password: 'eai-api-key',
    signature: { scheme: 'hmac-sha256', secret: '${env:HOOK_SECRET}' },
    auth: { clientSecret: 'written-out', apiKey: '${file:secrets/key}', token: '' },
    headers: [{ name: 'x-api-key', apiKey: 'k-1' }],
  };

  it('names the secret fields written out rather than as references', () => {
    expect(literalSecrets(config, 'config')).toEqual([
      'config.password',
      'config.auth.clientSecret',
      'config.headers[0].apiKey',
    ]);
    expect(literalSecrets({ password: '${env:P}', user: 'eai' }, 'config')).toEqual([]);
  });

  it('shows literal secrets as [redacted] and keeps references as written', () => {
    expect(redactConfig(config)).toEqual({
      ...config,
      password: '[redacted]',
      auth: { clientSecret: '[redacted]', apiKey: '${file:secrets/key}', token: '[redacted]' },
      headers: [{ name: 'x-api-key', apiKey: '[redacted]' }],
    });
  });
});
