import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { HttpRefusedError, HttpUnavailableError } from '../transports/http-sink.ts';
import {
  customerRecords,
  type ScriptedServer,
  startScriptedServer,
  testContext,
} from '../transports/test-support.ts';
import { salesforceRetriable } from './retriable.ts';
import { simulatorGet } from './test-support.ts';
import { createSalesforceUpsertSink, salesforceUpsertSinkConfig } from './upsert-sink.ts';

// Salesforce answers a spent API request limit (the org's rolling 24 hours) 403 REQUEST_LIMIT_EXCEEDED, not 429,
// and a record another transaction holds 400 UNABLE_TO_LOCK_ROW: both pass later, neither is a refusal of the record.

let sf: SalesforceHarness;
beforeAll(async () => {
  sf = await startSalesforce();
});
afterAll(() => sf.sim.close());
afterEach(async () => {
  await sf.control('POST', '/sim/reset?empty=true');
});

const record = customerRecords('sf-limits');

/** The upsert sink against `instanceUrl`, its mapping's body an Account upserted by External_Id__c. */
function upsertSink(instanceUrl: string, name = 'Acme') {
  const context = testContext('sf-limits');
  const told: unknown[] = [];
  context.attemptFailed = (error) => told.push(error);
  context.toSystem = async () => [
    Buffer.from(
      JSON.stringify({
        attributes: { type: 'Account', url: '/sobjects/Account/External_Id__c/C-1' },
        Name: name,
      }),
    ),
  ];
  const config = salesforceUpsertSinkConfig.parse({
    instanceUrl,
    clientId: 'eai-hub',
    clientSecret: 'secret',
    retry: { retries: 3, initialDelayMs: 10, maxDelayMs: 50 },
  });
  return { sink: createSalesforceUpsertSink(config, context), told };
}

const limitFault = (times: number) =>
  sf.json('POST', '/sim/faults', {
    faults: [{ kind: 'rate_limit', path: '/services/data/**', times }],
  });

describe('Salesforce over its API limit or on a locked row: retried, not dead-lettered', () => {
  it('the upsert sink retries a 403 REQUEST_LIMIT_EXCEEDED and applies the record once', async () => {
    const { sink, told } = upsertSink(sf.sim.url);
    await limitFault(2);
    await sink.put(record());
    expect(told.map((error) => (error as HttpUnavailableError).status)).toEqual([403, 403]);
    const effects = await sf.control<{ effects: Array<{ operation: string }> }>(
      'GET',
      '/sim/effects?entityType=Account',
    );
    expect(effects.effects.map((effect) => effect.operation)).toEqual(['create']);
  });

  it('a limit that lasts ends the put with a retriable error (the runtime waits), never a refusal', async () => {
    const { sink } = upsertSink(sf.sim.url);
    await limitFault(10);
    const error = await sink.put(record()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpUnavailableError);
    expect(error).not.toBeInstanceOf(HttpRefusedError);
    expect((error as HttpUnavailableError).message).toContain('REQUEST_LIMIT_EXCEEDED');
    await sf.call('DELETE', '/sim/faults');
  });

  it('the REST reads (GAP re-read, snapshot, person-account query) retry it too', async () => {
    const created = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, { Name: 'Read me' });
    const get = simulatorGet(sf.sim.url, 'eai-limits-reader');
    await limitFault(1);
    // simulatorGet retries nothing: the limit is a retriable failure, not a refusal.
    const error = await get(`${API}/sobjects/Account/${created.body.id}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpUnavailableError);
    expect((error as HttpUnavailableError).status).toBe(403);
    const read = await get(`${API}/sobjects/Account/${created.body.id}`);
    expect(JSON.parse(read!.toString('utf8'))).toMatchObject({ Name: 'Read me' });
  });

  describe('against a scripted org', () => {
    let server: ScriptedServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('retries a 400 UNABLE_TO_LOCK_ROW; another 400 is dead-lettered at once', async () => {
      const answers = [
        [
          400,
          [
            {
              message: 'unable to obtain exclusive access to this record',
              errorCode: 'UNABLE_TO_LOCK_ROW',
              fields: [],
            },
          ],
        ],
        [200, { id: '001000000000001AAA', success: true, errors: [], created: false }],
        [400, [{ message: 'No such column', errorCode: 'INVALID_FIELD', fields: [] }]],
      ] as const;
      let patches = 0;
      server = await startScriptedServer((request, res) => {
        if (request.url === '/services/oauth2/token') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ access_token: 'tok', token_type: 'Bearer' }));
          return;
        }
        const [status, body] = answers[patches++]!;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      const { sink, told } = upsertSink(server.url);
      await sink.put(record());
      expect(told.map((error) => (error as HttpUnavailableError).status)).toEqual([400]);
      await expect(sink.put(record())).rejects.toBeInstanceOf(HttpRefusedError);
      expect(patches).toBe(3);
    });
  });

  it('tells "not now" from a refusal by the error code, whatever else the body says', () => {
    const body = (errorCode: string) => JSON.stringify([{ message: 'x', errorCode, fields: [] }]);
    expect(salesforceRetriable(403, body('REQUEST_LIMIT_EXCEEDED'))).toBe(true);
    expect(salesforceRetriable(400, body('UNABLE_TO_LOCK_ROW'))).toBe(true);
    expect(salesforceRetriable(403, body('INSUFFICIENT_ACCESS'))).toBe(false);
    expect(salesforceRetriable(400, body('INVALID_FIELD'))).toBe(false);
    expect(salesforceRetriable(404, body('REQUEST_LIMIT_EXCEEDED'))).toBe(false);
    expect(salesforceRetriable(403, 'REQUEST_LIMIT_EXCEEDED in plain text')).toBe(false);
    expect(salesforceRetriable(403, '[null]')).toBe(false);
  });
});
