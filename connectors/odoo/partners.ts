import { PARTNER_WRITABLE_FIELDS } from '../../formats/odoo-res-partner/index.ts';
import type { Cursor, Page } from '../transports/poll.ts';
import type { CountryStates } from './country-states.ts';
import { many2oneId, type OdooClient, type OdooRecord } from './jsonrpc.ts';
import { isoDateTime, pageDomain } from './sale-orders.ts';

/**
 * Fields of res.partner the mapping reads (`odoo/res-partner.to-canonical.yaml`); write_uid marks echoes, child_ids
 * names a company's child partners (its invoice and delivery addresses among them). `mobile` is Odoo 17's: saas-18.2
 * and 19.0 dropped it, so each page reads those of them the database has (`client.existing`).
 */
export const PARTNER_FIELDS = [
  // What the hub writes (less company_type, which Odoo computes from is_company), and the change stamps.
  ...[...PARTNER_WRITABLE_FIELDS].filter((field) => field !== 'company_type'),
  'child_ids',
  'create_date',
  'write_date',
  'write_uid',
];

/** Child partners that are an address of their parent, not a customer of their own (res.partner `type`). */
export const ADDRESS_TYPES = ['invoice', 'delivery'];

/**
 * The parent a partner is an address of: a child (parent_id set) of type invoice or delivery that is no company, as
 * Odoo keeps a company's invoice and delivery addresses. Else undefined: a customer of its own (a company, a person,
 * a child of type contact, a contact person of the company, or other).
 */
export function addressOf(partner: OdooRecord): number | undefined {
  const parent = many2oneId(partner.parent_id);
  return parent !== undefined && ADDRESS_TYPES.includes(String(partner.type)) && partner.is_company !== true
    ? parent
    : undefined;
}

/**
 * One page of res.partner, oldest change first, archived partners included (`active_test: false`: archiving is a
 * change the hub must see), each customer one document: a search_read result list of one record, its `state_id`
 * read in with the state's code and its country's (`states`, country-states.ts), for the region as ISO 3166-2, and
 * its invoice and delivery addresses read in (`child_ids`: the active child partners of those types as records, the
 * other children as ids), as its BILLING and SHIPPING addresses.
 *
 * Such an address is a child partner, stamped alone when it is edited (Odoo does not write its parent): its change
 * is read here as its own row, and gives its parent's document instead of one of its own, the parent read again
 * with its addresses (its write_date unchanged, its digest not: a new version). Each customer is one document per
 * page, at its last row (the keyset of the page is the rows', so the next page follows the last row read).
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
  const rows = await client.executeKw<OdooRecord[]>(
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
  // Each customer at its last row: the rows come oldest first, so the customers do too.
  const lastRow = new Map<number, OdooRecord>();
  const customers = new Map<number, OdooRecord>();
  for (const row of rows) {
    const parent = addressOf(row);
    const customer = parent ?? row.id;
    if (parent === undefined) customers.set(row.id, row);
    lastRow.delete(customer);
    lastRow.set(customer, row);
  }
  // The parents of addresses changed alone, read again (archived ones too: the address of an archived company).
  const missing = [...lastRow.keys()].filter((id) => !customers.has(id));
  if (missing.length > 0) {
    const parents = await client.executeKw<OdooRecord[]>(
      'res.partner',
      'search_read',
      [[['id', 'in', missing]]],
      { fields, context: { active_test: false } },
      signal,
    );
    for (const parent of parents) customers.set(parent.id, parent);
  }
  // Their invoice and delivery addresses, active ones only (an archived address is no longer one).
  const addresses =
    customers.size === 0
      ? []
      : await client.executeKw<OdooRecord[]>(
          'res.partner',
          'search_read',
          [
            [
              ['parent_id', 'in', [...customers.keys()]],
              ['type', 'in', ADDRESS_TYPES],
              ['is_company', '=', false],
            ],
          ],
          { fields, order: 'id asc' },
          signal,
        );
  const withStates = await states.readIn([...customers.values(), ...addresses], signal);
  const read = new Map(withStates.map((record) => [record.id, record]));
  const addressIds = new Set(addresses.map((address) => address.id));
  const last = rows.at(-1);
  return {
    items: [...lastRow].flatMap(([customerId, row]) => {
      const customer = read.get(customerId);
      // A parent deleted since its address was written: nothing to publish.
      if (!customer) return [];
      const children = Array.isArray(customer.child_ids) ? (customer.child_ids as number[]) : [];
      const document = {
        ...customer,
        child_ids: children.map((id) => (addressIds.has(id) ? read.get(id)! : id)),
      };
      return [
        {
          id: String(row.id),
          updatedAt: isoDateTime(String(row.write_date)),
          bytes: Buffer.from(JSON.stringify([document])),
          format: 'odoo-res-partner',
          name: `res.partner/${customerId}`,
        },
      ];
    }),
    // The next page follows the last row read, whichever customers it gave (fewer items than rows).
    ...(last && rows.length >= pageSize
      ? { next: { updatedSince: isoDateTime(String(last.write_date)), afterId: String(last.id) } }
      : {}),
  };
}
