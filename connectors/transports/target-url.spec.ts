// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written as plain strings
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../index.ts';
import { loadDeployment } from '../runtime/definition.ts';
import { httpSinkConfig } from './http-sink-config.ts';

/**
 * A target's URL is shown in logs, errors and dead letters: one with `user:password@` (written out or resolved from a
 * reference) would put the password there, and a `file:` or other scheme is no API to call. Both are refused when the
 * connector is written.
 */
const dir = mkdtempSync(join(tmpdir(), 'eai-target-url-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plugins = new Map(builtinPlugins.map((p) => [p.type, p]));

describe("a connector's target URL", () => {
  it.each(['file:///etc/passwd', 'ftp://files.example.com/', 'data:text/plain,hello'])(
    'refuses the scheme of %s',
    (baseUrl) => {
      const parsed = httpSinkConfig.safeParse({ baseUrl });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe('must be an http:// or https:// URL');
    },
  );

  it('refuses text that is no URL in one issue, not a crash (the credential check skips it)', () => {
    const parsed = httpSinkConfig.safeParse({ baseUrl: 'not a url' });
    expect(parsed.error?.issues.map((i) => i.message)).toEqual(['must be an http:// or https:// URL']);
    const hubspot = plugins.get('hubspot-upsert-sink')!.config.safeParse({
      baseUrl: 'file:///etc/passwd',
      accessToken: 'x',
    });
    expect(hubspot.error?.issues[0]?.message).toBe('must be an http:// or https:// URL');
  });

  it('refuses a user and password in the URL', () => {
    const parsed = httpSinkConfig.safeParse({ baseUrl: 'https://wms:pw@wms.example.com' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/must not hold a user or password/);
  });

  it.each(['https://wms.example.com/api?api_key=k-123', 'https://wms.example.com/api#v2'])(
    'refuses a query or fragment in %s: the paths appended would land in it, and its key be shown',
    (baseUrl) => {
      const parsed = httpSinkConfig.safeParse({ baseUrl });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/must not hold a query or fragment/);
    },
  );

  it('says a URL left out is missing, as every other required field is', () => {
    const folder = mkdtempSync(join(dir, 'no-url-'));
    writeFileSync(
      join(folder, 'wms.yaml'),
      'name: wms\ntype: http-sink\ntopics: [canonical.customer]\nconfig:\n  method: PUT\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(/config\.baseUrl: missing: a string is required/);
  });

  it('takes http and https URLs', () => {
    expect(httpSinkConfig.parse({ baseUrl: 'http://127.0.0.1:8080/api/' }).baseUrl).toBe(
      'http://127.0.0.1:8080/api/',
    );
    expect(httpSinkConfig.parse({ baseUrl: 'https://wms.example.com' }).baseUrl).toBe(
      'https://wms.example.com',
    );
  });

  it('refuses a password put in the URL by a reference, without showing it', () => {
    process.env.EAI_TEST_TARGET_URL_PASSWORD = 'resolved-pw-4711';
    const folder = mkdtempSync(join(dir, 'wms-'));
    writeFileSync(
      join(folder, 'wms.yaml'),
      'name: wms\ntype: http-sink\ntopics: [canonical.customer]\nconfig:\n  baseUrl: "https://wms:${env:EAI_TEST_TARGET_URL_PASSWORD}@wms.example.com"\n',
    );
    let message = '';
    try {
      loadDeployment(folder, plugins);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/config\.baseUrl: must not hold a user or password/);
    expect(message).not.toContain('resolved-pw-4711');
    delete process.env.EAI_TEST_TARGET_URL_PASSWORD;
  });

  it.each([
    [
      'odoo-polling-source',
      { url: 'https://eai:pw@odoo.example.com', db: 'o', username: 'eai', password: 'p' },
    ],
    [
      'salesforce-cdc-source',
      {
        signature: { scheme: 'none' },
        instanceUrl: 'file:///etc/passwd',
        clientId: 'c',
        clientSecret: 's',
      },
    ],
    [
      'hubspot-contact-webhook-source',
      { clientSecret: 's', accessToken: 't', baseUrl: 'file:///etc/passwd' },
    ],
  ])('is checked for %s too', (type, config) => {
    const parsed = plugins.get(type)!.config.safeParse(config);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/must be an http|must not hold a user or password/);
  });
});
