import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../common/test-support.ts';
import { API, type SalesforceHarness, startSalesforce } from './test-support.ts';

interface Envelope {
  channel: string;
  replayId: string;
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
}

let sf: SalesforceHarness;
let hook: WebhookReceiver;
beforeAll(async () => {
  sf = await startSalesforce({}, 'eai-hub-crm-connector');
});
afterAll(() => sf.sim.close());
afterEach(async () => {
  await hook?.close();
  await sf.control('POST', '/sim/reset?empty=true');
});

async function subscribe(channel = '/data/ChangeEvents'): Promise<void> {
  hook = await startWebhookReceiver();
  const response = await sf.json('POST', '/sim/subscriptions', { url: hook.url, channel });
  expect(response.status).toBe(201);
}

describe('Change Data Capture', () => {
  it('an API write produces a CREATE event whose changeOrigin names the integration client', async () => {
    await subscribe();
    const { body } = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, {
      Name: 'Acme',
      BillingCity: 'Lyon',
      External_Id__c: 'E-1',
    });
    const [event] = (await hook.waitFor(1)) as Envelope[];
    expect(event!.channel).toBe('/data/AccountChangeEvent');
    expect(event!.replayId).toMatch(/^\d+$/);
    const header = event!.payload.ChangeEventHeader;
    expect(header).toMatchObject({
      entityName: 'Account',
      recordIds: [body.id],
      changeType: 'CREATE',
      changedFields: [],
      nulledFields: [],
      diffFields: [],
      changeOrigin: 'com/salesforce/api/rest/62.0;client=eai-hub-crm-connector',
      sequenceNumber: 1,
      commitUser: expect.stringMatching(/^005\w{15}$/),
    });
    expect(typeof header.commitNumber).toBe('string');
    expect(BigInt(header.commitNumber as string) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(header.commitTimestamp).toBeTypeOf('number');
    expect(header.transactionKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(event!.payload).toMatchObject({
      Name: 'Acme',
      External_Id__c: 'E-1',
      Phone: null,
      BillingAddress: { City: 'Lyon', Street: null, State: null, PostalCode: null, Country: null },
      ShippingAddress: null,
      CreatedDate: expect.any(Number),
    });
  });

  it('a UI edit has an empty changeOrigin; an update carries only changed fields, the rest null', async () => {
    await subscribe('/data/ContactChangeEvent');
    const { body } = await sf.json<{ id: string }>('POST', `${API}/sobjects/Contact`, {
      FirstName: 'Ana',
      LastName: 'Silva',
      Email: 'ana@example.com',
      Birthdate: '1990-05-17',
    });
    const edit = await sf.json('POST', '/sim/edit', {
      type: 'Contact',
      id: body.id,
      fields: { FirstName: 'Anna', Email: null },
    });
    expect(edit.status).toBe(200);
    const [created, updated] = (await hook.waitFor(2)) as Envelope[];
    expect(created!.payload.Birthdate).toBe(Date.UTC(1990, 4, 17));
    // The compound Name nests every part of the name; those not set are null.
    expect(created!.payload.Name).toEqual({ Salutation: null, FirstName: 'Ana', LastName: 'Silva' });
    const header = updated!.payload.ChangeEventHeader;
    expect(header.changeOrigin).toBe('');
    expect(header.changeType).toBe('UPDATE');
    expect(header.commitUser).not.toBe(created!.payload.ChangeEventHeader.commitUser);
    expect(header.changedFields).toEqual(['Name.FirstName', 'Email', 'LastModifiedDate']);
    expect(header.nulledFields).toEqual(['Email']);
    expect(updated!.payload).toMatchObject({
      Name: { FirstName: 'Anna', LastName: null },
      Email: null,
      Phone: null,
    });
    expect(updated!.payload.LastModifiedDate).toBeTypeOf('number');
    // Sforce-Call-Options names the client too, and wins over the token's client id.
    await sf.call('DELETE', `${API}/sobjects/Contact/${body.id}`, undefined, {
      'sforce-call-options': 'client=nightly-batch',
    });
    const [, , deleted] = (await hook.waitFor(3)) as Envelope[];
    expect(deleted!.payload.ChangeEventHeader).toMatchObject({
      changeType: 'DELETE',
      changeOrigin: 'com/salesforce/api/rest/62.0;client=nightly-batch',
    });
  });

  it('a record restored from the Recycle Bin is live again, its UNDELETE event carrying every field that has a value', async () => {
    await subscribe('/data/AccountChangeEvent');
    const { body } = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, {
      Name: 'Nordwind Handel GmbH',
      Phone: '+49 30 1234567',
      BillingCity: 'Berlin',
    });
    await sf.call('DELETE', `${API}/sobjects/Account/${body.id}`);
    const restored = await sf.json<{ ids: string[] }>('POST', '/sim/undelete', {
      type: 'Account',
      ids: [body.id],
    });
    expect(restored).toMatchObject({ status: 200, body: { ids: [body.id], changeType: 'UNDELETE' } });
    const [, , undeleted] = (await hook.waitFor(3)) as Envelope[];
    expect(undeleted!.payload.ChangeEventHeader).toMatchObject({
      changeType: 'UNDELETE',
      recordIds: [body.id],
      changeOrigin: '',
      changedFields: [],
    });
    expect(undeleted!.payload).toMatchObject({
      Name: 'Nordwind Handel GmbH',
      Phone: '+49 30 1234567',
      BillingAddress: { City: 'Berlin', Street: null },
      CreatedDate: expect.any(Number),
      LastModifiedDate: expect.any(Number),
    });
    expect((await sf.call('GET', `${API}/sobjects/Account/${body.id}`)).status).toBe(200);
    // Only what is in the Recycle Bin can be restored: a live record, an unknown id.
    const again = await sf.json<{ error: string }>('POST', '/sim/undelete', {
      type: 'Account',
      ids: [body.id],
    });
    expect(again).toMatchObject({ status: 404, body: { error: `no Account ${body.id} in the Recycle Bin` } });
  });

  it('delivers only the subscribed channel, and stores events for replay', async () => {
    await subscribe('/data/AccountChangeEvent');
    await sf.json('POST', `${API}/sobjects/Contact`, { LastName: 'Only contact' });
    await sf.json('POST', `${API}/sobjects/Account`, { Name: 'Only account' });
    await hook.waitFor(1);
    await sf.control('GET', '/sim/deliveries?wait=true');
    expect((hook.received as Envelope[]).map((e) => e.payload.ChangeEventHeader.entityName)).toEqual([
      'Account',
    ]);
    const stored = await sf.control<{ events: Envelope[] }>('GET', '/sim/cdc-events');
    expect(stored.events.map((e) => e.channel)).toEqual([
      '/data/ContactChangeEvent',
      '/data/AccountChangeEvent',
    ]);
  });

  it('sends a subscription’s bearer token with every delivery, and lists it only as authenticated', async () => {
    hook = await startWebhookReceiver();
    const made = await sf.json<Record<string, unknown>>('POST', '/sim/subscriptions', {
      url: hook.url,
      channel: '/data/AccountChangeEvent',
      token: 'named-credential-1',
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ authenticated: true });
    expect(made.body).not.toHaveProperty('token');
    const listed = await sf.control<{ subscriptions: Array<Record<string, unknown>> }>(
      'GET',
      '/sim/subscriptions',
    );
    expect(JSON.stringify(listed)).not.toContain('named-credential-1');
    await sf.json('POST', `${API}/sobjects/Account`, { Name: 'Token account' });
    await hook.waitFor(1);
    expect(hook.headers[0]!.authorization).toBe('Bearer named-credential-1');
    const empty = await sf.json<{ error: string }>('POST', '/sim/subscriptions', {
      url: hook.url,
      token: '',
    });
    expect(empty.status).toBe(400);
  });

  it('emits header-only GAP events in gap mode and GAP_OVERFLOW in overflow mode', async () => {
    await subscribe();
    await sf.json('POST', '/sim/cdc-mode', { mode: 'gap' });
    const { body } = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, { Name: 'Gap Co' });
    const [gap] = (await hook.waitFor(1)) as Envelope[];
    expect(gap!.payload.ChangeEventHeader).toMatchObject({
      changeType: 'GAP_CREATE',
      recordIds: [body.id],
      changedFields: [],
    });
    expect(gap!.payload.Name).toBeNull();

    await sf.json('POST', '/sim/cdc-mode', { mode: 'overflow' });
    const records = [1, 2, 3].map((i) => ({
      attributes: { type: 'Account' },
      External_Id__c: `OV-${i}`,
      Name: `Overflow ${i}`,
    }));
    await sf.json('PATCH', `${API}/composite/sobjects/Account/External_Id__c`, { records });
    const events = (await hook.waitFor(2)) as Envelope[];
    expect(events).toHaveLength(2);
    expect(events[1]!.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Account',
      changeType: 'GAP_OVERFLOW',
      // Salesforce's empty record id: an overflow event names no record.
      recordIds: ['000000000000000AAA'],
      commitTimestamp: expect.any(Number),
      changedFields: [],
    });
    await sf.json('POST', '/sim/cdc-mode', { mode: 'normal' });
  });

  it('changes many records in one transaction (bulk edit): one GAP_OVERFLOW for the entity in overflow mode', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, { Name: `Bulk ${i}` })).body.id,
      );
    await subscribe();
    const normal = await sf.json('POST', '/sim/bulk-edit', {
      type: 'Account',
      ids,
      fields: { Industry: 'Energy' },
    });
    expect(normal).toMatchObject({ status: 200, body: { updated: 3 } });
    const updates = (await hook.waitFor(3)) as Envelope[];
    // One transaction: one key, rising sequence numbers, each record's UPDATE.
    expect(new Set(updates.map((e) => e.payload.ChangeEventHeader.transactionKey)).size).toBe(1);
    expect(updates.map((e) => e.payload.ChangeEventHeader.recordIds)).toEqual(ids.map((id) => [id]));

    await sf.json('POST', '/sim/cdc-mode', { mode: 'overflow' });
    const before = Date.now();
    await sf.json('POST', '/sim/bulk-edit', { type: 'Account', ids, fields: { Industry: 'Retail' } });
    const [overflow] = ((await hook.waitFor(4)) as Envelope[]).slice(3);
    expect(overflow!.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Account',
      changeType: 'GAP_OVERFLOW',
      recordIds: ['000000000000000AAA'],
      sequenceNumber: 1,
    });
    expect(overflow!.payload.ChangeEventHeader.commitTimestamp).toBeGreaterThanOrEqual(before);
    // The records changed all the same, stamped no later than the commit.
    const read = await sf.json<{ Industry: string; SystemModstamp: string }>(
      'GET',
      `${API}/sobjects/Account/${ids[0]}`,
    );
    expect(read.body.Industry).toBe('Retail');
    expect(Date.parse(read.body.SystemModstamp.replace('+0000', 'Z'))).toBeLessThanOrEqual(
      overflow!.payload.ChangeEventHeader.commitTimestamp as number,
    );
    // Nothing is written when one record cannot be: unknown id, or a bad value.
    const missing = await sf.json('POST', '/sim/bulk-edit', {
      type: 'Account',
      ids: [ids[0], '001000000000000AAA'],
      fields: { Industry: 'Media' },
    });
    expect(missing.status).toBe(404);
    expect(
      (await sf.json<{ Industry: string }>('GET', `${API}/sobjects/Account/${ids[0]}`)).body.Industry,
    ).toBe('Retail');
    await sf.json('POST', '/sim/cdc-mode', { mode: 'normal' });
  });

  it('keeps retrying while the subscriber is down, then delivers in order', async () => {
    await subscribe();
    hook.setDown(true);
    await sf.json('POST', `${API}/sobjects/Account`, { Name: 'First' });
    await sf.json('POST', `${API}/sobjects/Account`, { Name: 'Second' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    hook.setDown(false);
    const events = (await hook.waitFor(2)) as Envelope[];
    expect(events.map((e) => e.payload.Name)).toEqual(['First', 'Second']);
    const { deliveries } = await sf.control<{ deliveries: Array<{ outcome: string; status?: number }> }>(
      'GET',
      '/sim/deliveries?wait=true',
    );
    const failed = deliveries.filter((d) => d.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.every((d) => d.status === 503)).toBe(true);
    expect(deliveries.filter((d) => d.outcome === 'delivered')).toHaveLength(2);
  });
});
