import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../common/test-support.ts';
import { API, type SalesforceHarness, startSalesforce } from './test-support.ts';

interface Envelope {
  channel: string;
  replayId: string;
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
}

let sf: SalesforceHarness;
let hook: WebhookReceiver | undefined;
beforeAll(async () => {
  sf = await startSalesforce({}, 'eai-hub');
});
afterAll(() => sf.sim.close());
afterEach(async () => {
  await hook?.close();
  hook = undefined;
  await sf.control('POST', '/sim/reset?empty=true');
});

async function account(): Promise<string> {
  const { body } = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, { Name: 'Acme' });
  return body.id;
}

describe('Case', () => {
  it('is created with an auto-numbered CaseNumber and status New, and read back over REST', async () => {
    const accountId = await account();
    const first = await sf.json<{ id: string; success: boolean }>('POST', `${API}/sobjects/Case`, {
      Subject: 'Broken pump',
      Origin: 'Web',
      Type: 'Mechanical',
      Reason: 'Breakdown',
      Priority: 'High',
      AccountId: accountId,
      Order_Number__c: '0000004711',
    });
    expect(first.status).toBe(201);
    expect(first.body.id).toMatch(/^500\w{15}$/);
    const second = await sf.json<{ id: string }>('POST', `${API}/sobjects/Case`, { Subject: 'Another' });
    const read = await sf.json<Record<string, unknown>>('GET', `${API}/sobjects/Case/${first.body.id}`);
    expect(read.body).toMatchObject({
      attributes: { type: 'Case' },
      CaseNumber: '00001000',
      Status: 'New',
      IsClosed: false,
      ClosedDate: null,
      AccountId: accountId,
      Order_Number__c: '0000004711',
    });
    const other = await sf.json<Record<string, unknown>>('GET', `${API}/sobjects/Case/${second.body.id}`);
    expect(other.body.CaseNumber).toBe('00001001');
  });

  it('refuses CaseNumber and ClosedDate (platform fields) and a reference of the wrong type', async () => {
    const accountId = await account();
    const readOnly = await sf.json<Array<{ errorCode: string }>>('POST', `${API}/sobjects/Case`, {
      Subject: 'x',
      CaseNumber: '42',
    });
    expect(readOnly.status).toBe(400);
    expect(readOnly.body[0]!.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    const wrongType = await sf.json<Array<{ errorCode: string }>>('POST', `${API}/sobjects/Case`, {
      Subject: 'x',
      ContactId: accountId,
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body[0]!.errorCode).toBe('MALFORMED_ID');
  });

  it('closing sets IsClosed and ClosedDate; SOQL finds it by order number', async () => {
    const { body } = await sf.json<{ id: string }>('POST', `${API}/sobjects/Case`, {
      Subject: 'Wrong colour',
      Order_Number__c: '0000004712',
    });
    const patch = await sf.call('PATCH', `${API}/sobjects/Case/${body.id}`, {
      Status: 'Closed',
      Resolution__c: 'Credit memo 0090000001',
    });
    expect(patch.status).toBe(204);
    const q = encodeURIComponent(
      "SELECT Id, CaseNumber, Status, IsClosed, ClosedDate FROM Case WHERE Order_Number__c = '0000004712'",
    );
    const result = await sf.json<{ totalSize: number; records: Array<Record<string, unknown>> }>(
      'GET',
      `${API}/query?q=${q}`,
    );
    expect(result.body.totalSize).toBe(1);
    expect(result.body.records[0]).toMatchObject({ Id: body.id, Status: 'Closed', IsClosed: true });
    expect(result.body.records[0]!.ClosedDate).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('emits CaseChangeEvents: CREATE with the values, UPDATE naming Status, IsClosed and ClosedDate', async () => {
    hook = await startWebhookReceiver();
    await sf.json('POST', '/sim/subscriptions', { url: hook.url, channel: '/data/CaseChangeEvent' });
    await account(); // an Account event on another channel: not delivered to this subscriber
    const { body } = await sf.json<{ id: string }>('POST', `${API}/sobjects/Case`, {
      Subject: 'Broken pump',
      Order_Number__c: '0000004711',
    });
    await sf.call('PATCH', `${API}/sobjects/Case/${body.id}`, { Status: 'Closed' });
    const [created, updated] = (await hook.waitFor(2)) as Envelope[];
    expect(created!.channel).toBe('/data/CaseChangeEvent');
    expect(created!.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Case',
      recordIds: [body.id],
      changeType: 'CREATE',
      changeOrigin: 'com/salesforce/api/rest/62.0;client=eai-hub',
    });
    expect(created!.payload).toMatchObject({
      CaseNumber: '00001000',
      Subject: 'Broken pump',
      Status: 'New',
      IsClosed: false,
      Order_Number__c: '0000004711',
      ClosedDate: null,
    });
    expect(updated!.payload.ChangeEventHeader).toMatchObject({ changeType: 'UPDATE' });
    expect(updated!.payload.ChangeEventHeader.changedFields).toEqual(
      expect.arrayContaining(['Status', 'IsClosed', 'ClosedDate', 'LastModifiedDate']),
    );
    expect(updated!.payload.Status).toBe('Closed');
    expect(updated!.payload.ClosedDate).toBeTypeOf('number');
  });

  it('a UI edit through /sim/edit creates a case (empty changeOrigin), recorded as an effect', async () => {
    const edit = await sf.control<{ id: string; changeType: string }>('POST', '/sim/edit', {
      type: 'Case',
      fields: { Subject: 'Called about order 4711', Origin: 'Phone', Order_Number__c: '0000004711' },
    });
    expect(edit.changeType).toBe('CREATE');
    const effects = await sf.control<{ count: number }>('GET', '/sim/effects?entityType=Case');
    expect(effects.count).toBe(1);
  });
});
