import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOdooClient } from '../connectors/odoo/jsonrpc.ts';
import { createTestContext } from '../connectors/transports/test-support.ts';
import { type OdooHarness, startOdoo } from '../simulators/odoo/test-support.ts';
import { healthError, shortError } from './sync-health.ts';

/**
 * Ops trial: /sync/health's sources[].lastError and sinks[].lastError carried a system's whole answer body (Odoo's
 * JSON-RPC error with its Python traceback on a 503), while the reasons cut the error before it and so lost the
 * system's own words. Both now say the system's message, bounded, without the body.
 */
let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());

const signal = new AbortController().signal;

/** The error the Odoo connector's own client fails with while the simulator answers every call 503. */
async function odoo503(api: 'json2' | 'jsonrpc'): Promise<string> {
  const fault = await fetch(`${odoo.sim.url}/sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ faults: [{ kind: 'error', status: 503 }] }),
  });
  expect(fault.status).toBe(201);
  try {
    const { context } = createTestContext('odoo-in');
    const client = createOdooClient(
      { url: odoo.sim.url, db: 'odoo', username: 'eai', password: 'eai-api-key', timeoutMs: 5000, api },
      context,
    );
    const error = await client.executeKw('res.partner', 'search_read', [[]], {}, signal).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, 'the call failed').toBeDefined();
    return error!.message;
  } finally {
    await fetch(`${odoo.sim.url}/sim/faults`, { method: 'DELETE' });
  }
}

describe("sync health's lastError", () => {
  it.each(['jsonrpc', 'json2'] as const)(
    "of an Odoo 503 over %s is the error's line with Odoo's own message, not the traceback",
    async (api) => {
      const whole = await odoo503(api);
      expect(whole).toContain('Traceback (most recent call last)');
      const shown = healthError(whole);
      expect(shown).toMatch(
        /^odoo-in: POST \/(jsonrpc|json\/2\/res\.users\/context_get)[^:]* answered HTTP 503: werkzeug\.exceptions\.ServiceUnavailable: 503 Service Unavailable$/,
      );
      expect(shown.length).toBeLessThanOrEqual(300);
      // The reason says it too, where it stopped at "answered HTTP 503".
      expect(shortError('odoo-in', whole)).toMatch(
        /answered HTTP 503: werkzeug\.exceptions\.ServiceUnavailable: 503 Service Unavailable$/,
      );
    },
  );

  it("takes Salesforce's [0].message and HubSpot's message, and leaves out a body without one", () => {
    expect(
      healthError(
        'sf-out: PATCH /services/data/v62.0/sobjects/Account/001 answered HTTP 503: [{"message":"Server temporarily unavailable, try again later.","errorCode":"SERVER_UNAVAILABLE"}]',
      ),
    ).toBe(
      'sf-out: PATCH /services/data/v62.0/sobjects/Account/001 answered HTTP 503: SERVER_UNAVAILABLE: Server temporarily unavailable, try again later.',
    );
    expect(
      healthError(
        'hs-out: POST /crm/v3/objects/contacts/batch/upsert answered HTTP 503: {"status":"error","message":"Service unavailable","correlationId":"c-1","category":"SERVICE_UNAVAILABLE"}',
      ),
    ).toBe('hs-out: POST /crm/v3/objects/contacts/batch/upsert answered HTTP 503: Service unavailable');
    expect(healthError('x: GET /a answered HTTP 502: <html><body>Bad gateway</body></html>')).toBe(
      'x: GET /a answered HTTP 502',
    );
    // A body cut short (no JSON any more) still gives its message.
    expect(
      healthError(
        'x: POST /b answered HTTP 500: {"message":"Quota \\"daily\\" spent","debug":"… [9000 more bytes]',
      ),
    ).toBe('x: POST /b answered HTTP 500: Quota "…" spent');
    expect(healthError(null)).toBeNull();
  });

  it('is one line, at most 300 characters, with credentials it quotes redacted', () => {
    const shown = healthError(
      `x: POST /token answered HTTP 401: {"message":"invalid Authorization: Bearer eyJhbGciOi.abc-123 for client_secret=s3cr3t&x=1 ${'y'.repeat(400)}"}\nat line 2`,
    );
    expect(shown).not.toMatch(/eyJhbGciOi|s3cr3t|line 2/);
    expect(shown).toContain('Bearer [redacted]');
    expect(shown).toContain('client_secret=[redacted]');
    expect(shown.length).toBe(300);
    expect(shown.endsWith('…')).toBe(true);
  });
});
