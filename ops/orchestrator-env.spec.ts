import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { orchestratorRoleFromEnv } from './orchestrator-env.ts';

describe('the orchestrator role from the environment and flags', () => {
  it('is off unless EAI_ORCHESTRATOR or --orchestrator turns it on; the flag wins', () => {
    const sap = { EAI_ORCHESTRATOR_SAP_URL: 'http://127.0.0.1:4101' };
    const on = { executorId: hostname(), sapUrl: sap.EAI_ORCHESTRATOR_SAP_URL };
    expect(orchestratorRoleFromEnv({})).toBeUndefined();
    expect(orchestratorRoleFromEnv({ EAI_ORCHESTRATOR: '0' })).toBeUndefined();
    expect(orchestratorRoleFromEnv({ EAI_ORCHESTRATOR: 'true', ...sap })).toEqual(on);
    expect(orchestratorRoleFromEnv({ EAI_ORCHESTRATOR: ' ON ', ...sap })).toEqual(on);
    expect(orchestratorRoleFromEnv(sap, { orchestrator: true })).toEqual(on);
    expect(orchestratorRoleFromEnv({ EAI_ORCHESTRATOR: '1' }, { orchestrator: false })).toBeUndefined();
  });

  it('needs the ERP’s URL when it routes events into workflows (each order’s credit check), not without a router', () => {
    expect(() => orchestratorRoleFromEnv({ EAI_ORCHESTRATOR: '1' })).toThrow(
      /^EAI_ORCHESTRATOR_SAP_URL: order-to-delivery checks each order’s credit at the ERP: set its base URL, or EAI_ORCHESTRATOR_ROUTER=0/,
    );
    expect(orchestratorRoleFromEnv({ EAI_ORCHESTRATOR: '1', EAI_ORCHESTRATOR_ROUTER: '0' })).toEqual({
      executorId: hostname(),
      router: false,
    });
  });

  it('takes the executor id, database, router switch, SAP URL and timers', () => {
    expect(
      orchestratorRoleFromEnv(
        {
          EAI_ORCHESTRATOR: '1',
          EAI_ORCHESTRATOR_EXECUTOR_ID: 'hub-0',
          EAI_ORCHESTRATOR_DATABASE: 'eai_orch_prod',
          EAI_ORCHESTRATOR_ROUTER: 'off',
          EAI_ORCHESTRATOR_SAP_URL: 'http://127.0.0.1:4101',
          EAI_ORCHESTRATOR_TIMERS: '{"asnEscalationMs":60000,"returnReceiptEscalationMs":120000}',
        },
        { executorId: 'hub-1' },
      ),
    ).toEqual({
      executorId: 'hub-1',
      database: 'eai_orch_prod',
      router: false,
      sapUrl: 'http://127.0.0.1:4101',
      timers: { asnEscalationMs: 60000, returnReceiptEscalationMs: 120000 },
    });
  });

  it('takes the automatic retries of parked instances as the fields given (the rest keep their defaults)', () => {
    const env = { EAI_ORCHESTRATOR: '1', EAI_ORCHESTRATOR_SAP_URL: 'http://127.0.0.1:4101' };
    expect(orchestratorRoleFromEnv(env)?.parkedRetry).toBeUndefined();
    expect(
      orchestratorRoleFromEnv({
        ...env,
        EAI_ORCHESTRATOR_PARKED_RETRY: '{"firstAfterMs":300000,"maxAttempts":5}',
      })?.parkedRetry,
    ).toEqual({ firstAfterMs: 300000, maxAttempts: 5 });
    expect(
      orchestratorRoleFromEnv({ ...env, EAI_ORCHESTRATOR_PARKED_RETRY: '{"enabled":false}' })?.parkedRetry,
    ).toEqual({ enabled: false });
  });

  it('starts a new router group at the end of the topics unless EAI_ORCHESTRATOR_OFFSET_RESET=earliest', () => {
    const env = { EAI_ORCHESTRATOR: '1', EAI_ORCHESTRATOR_SAP_URL: 'http://127.0.0.1:4101' };
    expect(orchestratorRoleFromEnv(env)?.routerFromBeginning).toBeUndefined();
    expect(
      orchestratorRoleFromEnv({ ...env, EAI_ORCHESTRATOR_OFFSET_RESET: 'latest' })?.routerFromBeginning,
    ).toBeUndefined();
    expect(
      orchestratorRoleFromEnv({ ...env, EAI_ORCHESTRATOR_OFFSET_RESET: 'Earliest' })?.routerFromBeginning,
    ).toBe(true);
  });

  it('refuses bad values in one line naming the variable (or flag) and the field', () => {
    const refusal = (env: NodeJS.ProcessEnv, flags = {}) => {
      try {
        orchestratorRoleFromEnv({ EAI_ORCHESTRATOR: '1', ...env }, flags);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refusal({ EAI_ORCHESTRATOR: 'maybe' })).toMatch(/^EAI_ORCHESTRATOR: /);
    expect(refusal({ EAI_ORCHESTRATOR_TIMERS: '{"asnEscalationMs":-5}' })).toMatch(
      /^EAI_ORCHESTRATOR_TIMERS\.asnEscalationMs: /,
    );
    // An unknown key is named at its own path, with the one meant.
    expect(refusal({ EAI_ORCHESTRATOR_TIMERS: '{"asnEscalation":5}' })).toMatch(
      /^EAI_ORCHESTRATOR_TIMERS\.asnEscalation: unknown key; did you mean "asnEscalationMs"\?/,
    );
    expect(refusal({ EAI_ORCHESTRATOR_TIMERS: '{asn' })).toMatch(/^EAI_ORCHESTRATOR_TIMERS: not JSON/);
    expect(refusal({ EAI_ORCHESTRATOR_PARKED_RETRY: '{"maxAttempt":3}' })).toMatch(
      /^EAI_ORCHESTRATOR_PARKED_RETRY\.maxAttempt: unknown key; did you mean "maxAttempts"\?/,
    );
    expect(refusal({ EAI_ORCHESTRATOR_PARKED_RETRY: '{"backoffRate":0.5}' })).toMatch(
      /^EAI_ORCHESTRATOR_PARKED_RETRY\.backoffRate: /,
    );
    expect(refusal({ EAI_ORCHESTRATOR_DATABASE: 'Bad-Name' })).toMatch(/^EAI_ORCHESTRATOR_DATABASE: /);
    expect(refusal({ EAI_ORCHESTRATOR_SAP_URL: 'sap' })).toMatch(/^EAI_ORCHESTRATOR_SAP_URL: /);
    // fetch refuses a URL with credentials and quotes it whole: every credit check failed with the password in its
    // error (the workflow's step, its log line); a file: or ftp: URL is no ERP the check can call.
    const withCredentials = refusal({
      EAI_ORCHESTRATOR_SAP_URL: 'https://rfc_user:Pa55word-77@sap.example.com',
    });
    expect(withCredentials).toMatch(/^EAI_ORCHESTRATOR_SAP_URL: must not hold a user or password/);
    expect(withCredentials).not.toContain('Pa55word-77');
    expect(refusal({ EAI_ORCHESTRATOR_SAP_URL: 'file:///etc/passwd' })).toMatch(
      /^EAI_ORCHESTRATOR_SAP_URL: an http\(s\) URL/,
    );
    expect(refusal({ EAI_ORCHESTRATOR_OFFSET_RESET: 'beginning' })).toMatch(
      /^EAI_ORCHESTRATOR_OFFSET_RESET: /,
    );
    expect(refusal({}, { executorId: 'a b' })).toMatch(/^--executor-id: /);
    for (const message of [refusal({ EAI_ORCHESTRATOR_TIMERS: '{"asnTimeoutMs":0}' })]) {
      expect(message.split('\n')).toHaveLength(1);
    }
  });
});
