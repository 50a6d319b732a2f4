import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { createTestContext } from '../transports/test-support.ts';
import { createSalesforceCdcSource, salesforceCdcSourceConfig, splitChangeEvents } from './cdc-source.ts';
import { gapOf, withGapRereads } from './gap-reread.ts';

const header = (changeType: string, recordIds: string[]) => ({
  entityName: 'Account',
  recordIds,
  changeType,
  changeOrigin: '',
  transactionKey: '0001a2b3-0000-4000-8000-000000000001',
  sequenceNumber: 2,
  commitTimestamp: 1718000000000,
  commitNumber: '11687091450000000003',
  commitUser: '005xx000001X8UzAAK',
});
const envelope = (changeType: string, recordIds = ['001xx000003DGbYAAW']) => ({
  channel: '/data/AccountChangeEvent',
  replayId: '17',
  payload: { ChangeEventHeader: header(changeType, recordIds), Name: null },
});
const request = {
  method: 'POST',
  path: '/',
  url: 'http://127.0.0.1/',
  headers: {},
  rawBody: Buffer.alloc(0),
};

describe('salesforce-cdc-source pieces', () => {
  it('cuts one salesforce-cdc document per change event, its delivery id transactionKey:sequenceNumber', () => {
    const parts = splitChangeEvents(request, [envelope('UPDATE'), envelope('GAP_UPDATE')]);
    expect(parts.map((p) => [p.format, p.deliveryId])).toEqual([
      ['salesforce-cdc', 'salesforce:0001a2b3-0000-4000-8000-000000000001:2'],
      ['salesforce-cdc', 'salesforce:0001a2b3-0000-4000-8000-000000000001:2'],
    ]);
    expect(JSON.parse(parts[0]!.bytes.toString())).toEqual(envelope('UPDATE'));
  });

  it('re-reads GAP_CREATE / GAP_UPDATE / GAP_UNDELETE records, not GAP_DELETE, GAP_OVERFLOW or full events', () => {
    const bytes = (e: unknown) => Buffer.from(JSON.stringify(e));
    expect(gapOf(bytes(envelope('GAP_UPDATE', ['001A', '001B'])))).toEqual({
      entity: 'Account',
      recordIds: ['001A', '001B'],
    });
    expect(gapOf(bytes(envelope('GAP_CREATE').payload))).toMatchObject({ entity: 'Account' });
    expect(gapOf(bytes(envelope('GAP_DELETE')))).toBeUndefined();
    expect(gapOf(bytes(envelope('GAP_OVERFLOW', [])))).toBeUndefined();
    expect(gapOf(bytes(envelope('UPDATE')))).toBeUndefined();
    expect(gapOf(Buffer.from('not json'))).toBeUndefined();
    // A Case has no sObject mapping to read it back with: its GAP event goes on (RESYNC_REQUESTED on canonical.case).
    const caseGap = envelope('GAP_UPDATE', ['500xx000001AbCdAAK']);
    (caseGap.payload.ChangeEventHeader as Record<string, unknown>).entityName = 'Case';
    expect(gapOf(bytes(caseGap))).toBeUndefined();
  });

  it('re-reads an UPDATE whose large text field came as a diff (Pub/Sub diffFields, CometD {diff}), not a plain one', () => {
    const bytes = (e: unknown) => Buffer.from(JSON.stringify(e));
    const diff =
      '--- \n+++ 682b8747ccdb93b546e7bbe479b27d26ec7c38ccabb76cdd8308c6595492bffc\n@@ -2,1 +2,1 @@\n-a\n+b\n';
    const pubsub = envelope('UPDATE');
    Object.assign(pubsub.payload.ChangeEventHeader, {
      changedFields: ['Description', 'LastModifiedDate'],
      diffFields: ['Description'],
      nulledFields: [],
    });
    Object.assign(pubsub.payload, { Description: diff });
    expect(gapOf(bytes(pubsub))).toEqual({ entity: 'Account', recordIds: ['001xx000003DGbYAAW'] });
    const cometd = {
      channel: '/data/AccountChangeEvent',
      data: {
        event: { replayId: 7 },
        payload: { ChangeEventHeader: header('UPDATE', ['001xx000003DGhBAAW']), Description: { diff } },
      },
    };
    expect(gapOf(bytes(cometd))).toEqual({ entity: 'Account', recordIds: ['001xx000003DGhBAAW'] });
    // diffFields empty and a field that merely holds the word: no re-read.
    const plain = envelope('UPDATE');
    Object.assign(plain.payload.ChangeEventHeader, { diffFields: [] });
    Object.assign(plain.payload, { Description: '"diff": "x"' });
    expect(gapOf(bytes(plain))).toBeUndefined();
  });

  it('answers 400 naming the field for an event without a transaction key', async () => {
    const test = createTestContext('sf');
    const config = salesforceCdcSourceConfig.parse({
      signature: { scheme: 'none' },
      instanceUrl: 'http://127.0.0.1:9',
      clientId: 'c',
      clientSecret: 's',
    });
    const source = createSalesforceCdcSource(config, test.context);
    await source.start(new Map());
    const body = { payload: { ChangeEventHeader: { sequenceNumber: 1 } } };
    const answer = await test.handler()({ ...request, rawBody: Buffer.from(JSON.stringify(body)) });
    expect(answer.status).toBe(400);
    await source.stop();
  });

  it('takes Streaming API (CometD) messages as EMP-Connector hands them on, alone or in a list', async () => {
    const test = createTestContext('sf');
    const config = salesforceCdcSourceConfig.parse({
      signature: { scheme: 'none' },
      instanceUrl: 'http://127.0.0.1:9',
      clientId: 'c',
      clientSecret: 's',
    });
    const source = createSalesforceCdcSource(config, test.context);
    await source.start(new Map());
    const cometd = (sequenceNumber: number) => ({
      channel: '/data/AccountChangeEvent',
      data: {
        schema: 'IeRuaY6cbI_HsV8Rv1Mc5g',
        payload: {
          ChangeEventHeader: { ...header('UPDATE', ['001xx000003DGbYAAW']), sequenceNumber },
          Phone: '+49 30 1234567',
        },
        event: { replayId: 17 + sequenceNumber },
      },
    });
    for (const body of [cometd(1), [cometd(2), cometd(3)]]) {
      const answer = test.handler()({ ...request, rawBody: Buffer.from(JSON.stringify(body)) });
      const batch = await source.poll();
      expect(batch.map((d) => d.deliveryId)).toEqual(
        (Array.isArray(body) ? body : [body]).map(
          (e) =>
            `salesforce:0001a2b3-0000-4000-8000-000000000001:${e.data.payload.ChangeEventHeader.sequenceNumber}`,
        ),
      );
      await source.commit(batch, { ok: true, published: batch.length, deadLettered: 0 });
      expect((await answer).status).toBe(200);
    }
    await source.stop();
  });

  it('names a missing instanceUrl in its config error', () => {
    const parsed = salesforceCdcSourceConfig.safeParse({
      signature: { scheme: 'none' },
      clientId: 'c',
      clientSecret: 's',
    });
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['instanceUrl']);
  });

  it('commits back to the change source the very batch it polled, GAP events re-read or not', async () => {
    const doc = (changeType: string): SourceDocument => ({
      bytes: Buffer.from(JSON.stringify(envelope(changeType))),
      position: null,
      deliveryId: changeType,
    });
    const batches = [[doc('UPDATE')], [doc('UPDATE'), doc('GAP_UPDATE')]];
    const polled = [...batches];
    const committed: SourceDocument[][] = [];
    const inner: SourceTask = {
      start: async () => {},
      poll: async () => batches.shift() ?? [],
      commit: async (documents) => void committed.push(documents),
      stop: async () => {},
    };
    const reader = {
      readMany: async (_type: string, ids: readonly string[]) =>
        ids.map(() => Buffer.from('{"attributes":{"type":"Account"},"Id":"001A","Name":"A"}')),
    };
    const source = withGapRereads(inner, reader, pino({ level: 'silent' }));
    const first = await source.poll();
    const second = await source.poll();
    expect(second.map((d) => d.format ?? 'cdc')).toEqual(['cdc', 'salesforce-sobject']);
    await source.commit(first, { ok: true, published: 1, deadLettered: 0 });
    await source.commit(second, { ok: true, published: 2, deadLettered: 0 });
    // The webhook source finds its batch by identity (and holds it until then): a copy would never be released.
    expect(committed).toHaveLength(2);
    expect(committed[0]).toBe(polled[0]);
    expect(committed[1]).toBe(polled[1]);
  });

  it('leaves the initial snapshot off unless asked, with the mapping’s fields by default', () => {
    const base = {
      signature: { scheme: 'none' },
      instanceUrl: 'http://127.0.0.1:9',
      clientId: 'c',
      clientSecret: 's',
    };
    expect(salesforceCdcSourceConfig.parse(base).snapshot).toMatchObject({
      mode: 'never',
      pageSize: 1000,
      objects: ['Account', 'Contact'],
      fields: {},
    });
    const wrong = salesforceCdcSourceConfig.safeParse({
      ...base,
      snapshot: { mode: 'initial', pageSize: 50, fields: { Account: ['Name', 'Billing City'] } },
    });
    expect(wrong.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'snapshot.fields.Account.1',
      'snapshot.pageSize',
    ]);
    // The hub's golden id stamp may be read (sobject.to-canonical.yaml keys the record by its Id all the same).
    const stamp = { mode: 'initial', fields: { Account: ['Name', 'External_Id__c'] } };
    expect(salesforceCdcSourceConfig.safeParse({ ...base, snapshot: stamp }).success).toBe(true);
  });
});
