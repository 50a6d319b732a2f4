import { PARTNER_WRITABLE_FIELDS } from '../../formats/odoo-res-partner/index.ts';
import type { Cursor, Page } from '../transports/poll.ts';
import type { CountryStates } from './country-states.ts';
import type { OdooClient } from './jsonrpc.ts';
import { isoDateTime, pageDomain } from './sale-orders.ts';

/**
 * Fields of res.partner the mapping reads (`odoo/res-partner.to-canonical.yaml`); write_uid marks echoes. `mobile` is
 * Odoo 17's: saas-18.2 and 19.0 dropped it, so each page reads those of them the database has (`client.existing`).
 */
export const PARTNER_FIELDS = [
  // What the hub writes (less company_type, which Odoo computes from is_company), and the change stamps.
  ...[...PARTNER_WRITABLE_FIELDS].filter((field) => field !== 'company_type'),
  'create_date',
  'write_date',
  'write_uid',
];

type OdooRecord = Record<string, unknown> & { id: number };

/**
 * One page of res.partner, oldest change first, archived partners included (`active_test: false`: archiving is a
 * change the hub must see), each partner one document: a search_read result list of one record, its `state_id`
 * read in with the state's code and its country's (`states`, country-states.ts), for the region as ISO 3166-2.
 */
export async function fetchPartners(
  client: OdooClient,
  cursor: Cursor,
  signal: AbortSignal,
  pageSize: number,
  states: CountryStates,
): Promise<Page> {
  // Only the fields this database has: saas-18.2 and 19.0 dropped `mobile`, which Odoo 17 has.
  const fields = await client.existing('res.partner', PARTNER_FIELDS, 'not read', signal);
  const read = await client.executeKw<OdooRecord[]>(
    'res.partner',
    'search_read',
    [pageDomain(cursor)],
    {
      fields,
      order: 'write_date asc, id asc',
      limit: pageSize,
      context: { active_test: false },
    },
    signal,
  );
  const partners = await states.readIn(read, signal);
  return {
    items: partners.map((partner) => ({
      id: String(partner.id),
      updatedAt: isoDateTime(String(partner.write_date)),
      bytes: Buffer.from(JSON.stringify([partner])),
      format: 'odoo-res-partner',
      name: `res.partner/${partner.id}`,
    })),
  };
}
