import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { parseOrchestratorConfig } from './config.ts';

describe('the orchestrator config: sapUrl', () => {
  const base = { databaseUrl: 'postgres://x@h/db', executorId: 'a', brokers: 'b', registryUrl: 'http://r' };
  const refusal = (sapUrl: string) => {
    try {
      parseOrchestratorConfig({ ...base, sapUrl });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error(`sapUrl ${sapUrl} was taken`);
  };

  it('takes an http(s) base URL', () => {
    expect(parseOrchestratorConfig({ ...base, sapUrl: 'https://sap.example.com:8443' }).sapUrl).toBe(
      'https://sap.example.com:8443',
    );
  });

  it('refuses a user:password@ as EAI_ORCHESTRATOR_SAP_URL does, without quoting the password, and a non-http URL', () => {
    // fetch refuses a URL with credentials and quotes it whole: every credit check failed with the password in its
    // error (the workflow's step, its log line).
    const withCredentials = refusal('https://rfc_user:Pa55word-77@sap.example.com');
    expect(withCredentials).toMatch(
      /^orchestrator config: orchestrator\.sapUrl: must not hold a user or password/,
    );
    expect(withCredentials).not.toContain('Pa55word-77');
    expect(refusal('https://rfc_user@sap.example.com')).toMatch(/sapUrl: must not hold a user or password/);
    expect(refusal('file:///etc/passwd')).toMatch(/sapUrl: an http\(s\) URL/);
  });
});
