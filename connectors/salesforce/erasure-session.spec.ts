import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasureEvent } from '../../masterdata/sync/erasure-out.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { customerRecords, testContext } from '../transports/test-support.ts';
import { createSalesforceUpsertSink, salesforceUpsertSinkConfig } from './upsert-sink.ts';

// The erasure's second step, SOAP's emptyRecycleBin, carries the session in its body: built when the put began, it
// held the token the DELETE before it had renewed on its 401, and Salesforce answered it 500 sf:INVALID_SESSION_ID
// on every retry (found reviewing the connector against the real API).

let sf: SalesforceHarness;
beforeAll(async () => {
  sf = await startSalesforce();
});
afterAll(() => sf.sim.close());

const record = customerRecords('sf-erasure-session');

describe('Salesforce erasure after the session expired', () => {
  it('deletes and purges with the renewed token: the SOAP body is built with the attempt’s session', async () => {
    const context = testContext('sf-erasure-session');
    context.toSystem = async () => [
      Buffer.from(
        JSON.stringify({
          attributes: { type: 'Account', url: '/sobjects/Account/External_Id__c/G-ERASE' },
          Name: 'Erase Me GmbH',
        }),
      ),
    ];
    const sink = createSalesforceUpsertSink(
      salesforceUpsertSinkConfig.parse({
        instanceUrl: sf.sim.url,
        clientId: 'eai-hub',
        clientSecret: 'secret',
        retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 },
      }),
      context,
    );
    // Written (the sink's token now cached), then every session expires, as an admin revoking them would.
    await sink.put(record({}));
    const account = await sf.json<{ Id: string }>('GET', `${API}/sobjects/Account/External_Id__c/G-ERASE`);
    expect(account.status).toBe(200);
    await sf.control('POST', '/sim/expire-tokens');
    const command = erasureEvent(
      'er-1',
      'G-ERASE',
      { system: 'salesforce', sourceId: account.body.Id, idType: 'AccountId' },
      new Date(),
    );
    await expect(sink.put(record(command))).resolves.toBeUndefined();
    const { effects } = (await (await fetch(`${sf.sim.url}/sim/effects?entityType=Account`)).json()) as {
      effects: Array<{ operation: string; entityId: string }>;
    };
    const soap = effects.filter((effect) => effect.entityId === account.body.Id);
    expect(soap.map((effect) => effect.operation)).toEqual(expect.arrayContaining(['delete', 'purge']));
  });
});
