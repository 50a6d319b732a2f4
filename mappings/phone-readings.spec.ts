import { describe, expect, it } from 'vitest';
import { mapBytes } from './index.ts';

/**
 * One phone number, written as people write it in each system, reads as the same canonical number everywhere:
 * master data matches customers across systems on it and writes it back to them. `+49 (0)30 …` is how German
 * numbers are commonly written internationally: the `(0)` is the national trunk prefix, not dialled from abroad.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const WRITTEN = '+49 (0)30 1234567';
const E164 = '+49301234567';

async function phones(format: string, document: unknown): Promise<Json[]> {
  const bytes = Buffer.from(typeof document === 'string' ? document : JSON.stringify(document));
  const [mapped] = await mapBytes(format, bytes);
  return (mapped!.records[0]!.value as Json).customer.phones;
}

describe('a phone written with the trunk prefix in brackets', () => {
  it.each([
    [
      'hubspot-contact',
      [
        {
          eventId: 1,
          subscriptionId: 1,
          portalId: 1,
          appId: 1,
          occurredAt: 1710236400000,
          subscriptionType: 'contact.propertyChange',
          attemptNumber: 0,
          objectId: 5101,
          changeSource: 'CRM_UI',
          propertyName: 'phone',
          propertyValue: WRITTEN,
        },
      ],
    ],
    [
      'odoo-res-partner',
      [{ id: 7, name: 'Anna Schmidt', is_company: false, phone: WRITTEN, write_date: '2024-04-01 07:45:00' }],
    ],
    [
      'salesforce-sobject',
      { attributes: { type: 'Contact' }, Id: '003RM000001aaaaYAA', LastName: 'Schmidt', Phone: WRITTEN },
    ],
  ])('reads as E.164 without the (0) in %s', async (format, document) => {
    const [phone] = await phones(format, document);
    expect(phone).toMatchObject({ number: E164, isE164: true });
  });
});
