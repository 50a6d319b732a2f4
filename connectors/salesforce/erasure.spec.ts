import { describe, expect, it } from 'vitest';
import { erasureEvent } from '../../masterdata/sync/erasure-out.ts';
import { isErasureCommand } from '../../schemas/erasure.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { HttpRefusedError, type HttpSinkRequest } from '../transports/http-sink.ts';
import { alreadyDeleted, checkEmptyRecycleBin, erasureSteps, sobjectTypeOf } from './erasure.ts';

const at = new Date('2026-12-01T10:00:00Z');
const command = (system: string, id: string | null, idType: string | null = null) =>
  erasureEvent('er-1', 'gc-00000000000000000001', { system, sourceId: id, idType }, at);

describe('the erasure command', () => {
  it('is a DELETED stamped eai-mdm-erasure naming one record, ids only; a plain DELETED is none', () => {
    const event = command('salesforce', '003A', 'ContactId');
    expect(isErasureCommand(event)).toBe(true);
    expect(event.customer).toEqual({
      customerId: 'gc-00000000000000000001',
      sourceIds: [{ system: 'salesforce', id: '003A', idType: 'ContactId' }],
      status: 'DELETED',
    });
    const plain = { ...event, origin: { ...event.origin, changeOrigin: null } };
    expect(isErasureCommand(plain)).toBe(false);
    expect(isErasureCommand({ ...event, changeType: 'UPDATED' })).toBe(false);
    expect(isErasureCommand(null)).toBe(false);
  });
});

describe('Salesforce erasure: delete, then empty the Recycle Bin', () => {
  const steps = (event: CustomerEvent, found: Array<{ type: 'Account' | 'Contact'; id: string }> = []) =>
    erasureSteps({
      event,
      apiVersion: 'v62.0',
      clientName: 'eai-hub',
      findByGoldenId: async () => found,
    });

  it('deletes the named record by its type, then purges it with emptyRecycleBin (SOAP, the token as session)', async () => {
    const [del, purge] = (await steps(command('salesforce', '003000000000001AAA'))) as HttpSinkRequest[];
    expect(del).toEqual({
      method: 'DELETE',
      path: '/services/data/v62.0/sobjects/Contact/003000000000001AAA',
      headers: { 'sforce-call-options': 'client=eai-hub' },
    });
    expect(purge).toMatchObject({ method: 'POST', path: '/services/Soap/u/62.0' });
    const purgeBody = (purge!.body as (h: Headers) => string)(
      new Headers({ authorization: 'Bearer tok<&>' }),
    );
    expect(purgeBody).toContain('<urn:sessionId>tok&lt;&amp;&gt;</urn:sessionId>');
    expect(purgeBody).toContain(
      '<urn:emptyRecycleBin><urn:ids>003000000000001AAA</urn:ids></urn:emptyRecycleBin>',
    );
    expect(sobjectTypeOf('001x', null)).toBe('Account');
    expect(sobjectTypeOf('xyz', 'AccountId')).toBe('Account');
    expect(sobjectTypeOf('500x', null)).toBeNull();
  });

  it('finds a record the hub created by the golden id; nothing to erase is no request', async () => {
    const byGolden = await steps(command('salesforce', null), [{ type: 'Account', id: '001B' }]);
    expect((byGolden as HttpSinkRequest[]).map((s) => `${s.method} ${s.path}`)).toEqual([
      'DELETE /services/data/v62.0/sobjects/Account/001B',
      'POST /services/Soap/u/62.0',
    ]);
    expect(await steps(command('salesforce', null))).toEqual({
      skipped: 'the erasure names no Salesforce record',
    });
  });

  it('takes a record deleted or purged before as done; refuses other failures', () => {
    const refusal = (status: number, body: string) =>
      new HttpRefusedError({ connector: 'c', method: 'DELETE', path: '/x' }, status, body);
    const del = { method: 'DELETE', path: '/x' };
    expect(alreadyDeleted(refusal(404, '[{"errorCode":"ENTITY_IS_DELETED"}]'), del)).toBeDefined();
    expect(alreadyDeleted(refusal(404, '[{"errorCode":"NOT_FOUND"}]'), del)).toBeDefined();
    expect(alreadyDeleted(refusal(400, '[{"errorCode":"NOT_FOUND"}]'), del)).toBeUndefined();
    expect(
      alreadyDeleted(refusal(404, '[{"errorCode":"NOT_FOUND"}]'), { ...del, method: 'PATCH' }),
    ).toBeUndefined();

    const soap = { method: 'POST', path: '/services/Soap/u/62.0' };
    const answer = (result: string) =>
      `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body><emptyRecycleBinResponse>${result}</emptyRecycleBinResponse></soapenv:Body></soapenv:Envelope>`;
    expect(() =>
      checkEmptyRecycleBin(answer('<result><id>1</id><success>true</success></result>'), soap, 'c'),
    ).not.toThrow();
    const gone =
      '<result><errors><statusCode>INVALID_ID_FIELD</statusCode></errors><id>1</id><success>false</success></result>';
    expect(() => checkEmptyRecycleBin(answer(gone), soap, 'c')).not.toThrow();
    const denied =
      '<result><errors><message>no</message><statusCode>INSUFFICIENT_ACCESS_OR_READONLY</statusCode></errors><id>1</id><success>false</success></result>';
    expect(() => checkEmptyRecycleBin(answer(denied), soap, 'c')).toThrow(
      /INSUFFICIENT_ACCESS_OR_READONLY: no/,
    );
    expect(() => checkEmptyRecycleBin('{"id":"1"}', del, 'c')).not.toThrow();
  });
});
