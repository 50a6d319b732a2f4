import { describe, expect, it } from 'vitest';
import { erasureEvent } from '../../masterdata/sync/erasure-out.ts';
import type { HttpSinkRequest } from '../transports/http-sink.ts';
import { gdprDeleteRequest } from './upsert-sink.ts';

const command = (system: string, id: string | null) =>
  erasureEvent('er-1', 'gc-00000000000000000001', { system, sourceId: id, idType: null }, new Date());

describe('HubSpot erasure: the GDPR delete', () => {
  it('by HubSpot id, or by eai_golden_id for a contact the hub created; skipped for another system, saying why', () => {
    expect(gdprDeleteRequest(command('hubspot', '501'))).toMatchObject({
      method: 'POST',
      path: '/crm/v3/objects/contacts/gdpr-delete',
      body: { objectId: '501' },
    });
    expect((gdprDeleteRequest(command('hubspot', null)) as HttpSinkRequest).body).toEqual({
      objectId: 'gc-00000000000000000001',
      idProperty: 'eai_golden_id',
    });
    expect(gdprDeleteRequest(command('salesforce', '003A'))).toEqual({
      skipped: 'the erasure names no HubSpot contact',
    });
  });
});
