// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written as plain strings
import { describe, expect, it } from 'vitest';
import { keepRedactedSecrets, literalSecrets, redactConfig, resolveSecrets } from './secrets.ts';

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

  it("treats an auth header's value as a secret, though its field is named value", () => {
    const sink = {
      baseUrl: 'https://wms.example.com',
      authHeader: { name: 'X-Api-Key', value: 'k-2' },
      other: { value: 'not a secret' },
    };
    expect(literalSecrets(sink, 'config')).toEqual(['config.authHeader.value']);
    expect(redactConfig(sink)).toEqual({ ...sink, authHeader: { name: 'X-Api-Key', value: '[redacted]' } });
    expect(redactConfig({ authHeader: { value: 'Bearer ${env:WMS_TOKEN}' } })).toEqual({
      authHeader: { value: 'Bearer ${env:WMS_TOKEN}' },
    });
  });

  it('puts the stored secret back where a config sent back as shown holds [redacted], and names one with none stored', () => {
    const stored = {
      baseUrl: 'https://wms',
      authHeader: { name: 'X-Api-Key', value: 'k-2' },
      password: 'p-1',
    };
    const sentBack = { ...(redactConfig(stored) as object), baseUrl: 'https://wms2', token: '[redacted]' };
    expect(keepRedactedSecrets(sentBack, stored, 'config')).toEqual({
      value: {
        baseUrl: 'https://wms2',
        authHeader: { name: 'X-Api-Key', value: 'k-2' },
        password: 'p-1',
        token: '[redacted]',
      },
      problems: [
        { field: 'config.token', problem: expect.stringContaining('[redacted] stands for a secret') },
      ],
    });
    // Not a secret field: "[redacted]" is an ordinary value there; a reference stored is no secret to keep.
    expect(keepRedactedSecrets({ note: '[redacted]' }, {}, 'config').problems).toEqual([]);
    expect(
      keepRedactedSecrets({ password: '[redacted]' }, { password: '${env:P}' }, 'config').problems,
    ).toHaveLength(1);
  });

  it("says an unset variable is missing from the hub's environment, not the shell that applied the connector", () => {
    expect(() =>
      resolveSecrets({ signature: { secret: '${env:EAI_TEST_SURELY_UNSET}' } }, '.', 'config'),
    ).toThrow(
      "config.signature.secret: environment variable EAI_TEST_SURELY_UNSET is not set in the hub's environment (the process running eai up)",
    );
  });

  it('names every reference that does not resolve, not only the first one', () => {
    // Seen in the ops trial: an Odoo source missing its URL and password variables named the URL alone, so the
    // hub was started again only to learn of the password.
    const config = {
      url: '${env:EAI_TEST_SURELY_UNSET_URL}',
      db: 'odoo',
      password: '${env:EAI_TEST_SURELY_UNSET_PASSWORD}',
      headers: [{ value: '${file:/nonexistent/eai-secret}' }],
    };
    expect(() => resolveSecrets(config, '.', 'config')).toThrow(
      expect.objectContaining({
        fields: [
          {
            field: 'config.url',
            problem:
              "environment variable EAI_TEST_SURELY_UNSET_URL is not set in the hub's environment (the process running eai up)",
          },
          {
            field: 'config.password',
            problem:
              "environment variable EAI_TEST_SURELY_UNSET_PASSWORD is not set in the hub's environment (the process running eai up)",
          },
          {
            field: 'config.headers[0].value',
            problem: expect.stringMatching(/^secret file \/nonexistent\/eai-secret cannot be read: ENOENT/),
          },
        ],
      }),
    );
  });
});
