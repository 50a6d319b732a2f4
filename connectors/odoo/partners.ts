import { PARTNER_WRITABLE_FIELDS } from '../../formats/odoo-res-partner/index.ts';
import type { Cursor, Page } from '../transports/poll.ts';
import type { CountryStates } from './country-states.ts';
import { many2oneId, type OdooClient, type OdooRecord } from './jsonrpc.ts';
import { ADDRESS_TYPES, addressOf, type RememberedAddresses } from './remembered-addresses.ts';
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

/**
 * One page of res.partner, oldest change first, archived partners included (`active_test: false`: archiving is a
 * change the hub must see), each customer one document: a search_read result list of one record, its `state_id`
 * read in with the state's code and its country's (`states`, country-states.ts), for the region as ISO 3166-2, and
 * its invoice and delivery addresses read in (`child_ids`: the child partners of those types as records, archived
 * ones too; other children left out), as its BILLING and SHIPPING addresses.
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
  remembered?: RememberedAddresses,
): Promise<Page> {
  // Only the fields this database has: saas-18.2 and 19.0 dropped `mobile`, which Odoo 17 has.
  const fields = await client.existing('res.partner', PARTNER_FIELDS, 'not read', signal);
  // At the first page of a pass, the addresses published before that Odoo no longer holds as such: an unlinked one
  // leaves no row to read, so its parent is read again for it.
  let gone = new Set<number>();
  const since = (cursor as { updatedSince: string; afterId?: string }).updatedSince;
  if (remembered && !(cursor as { afterId?: string }).afterId) {
    if (remembered.needsSeed) await remembered.seed(client, signal);
    gone = await remembered.gone(client, signal);
  }
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
    const former = remembered?.formerParent(row.id);
    const touched = [parent ?? row.id];
    if (parent === undefined) customers.set(row.id, row);
    // No longer an address of the customer it was published with (retyped to a contact, moved to another parent):
    // that customer is read again without it.
    if (former !== undefined && former !== parent) touched.push(former);
    for (const customer of touched) {
      lastRow.delete(customer);
      lastRow.set(customer, row);
    }
  }
  // The parents of addresses changed alone or gone, read again (archived ones too: the address of an archived company).
  const missing = [...new Set([...lastRow.keys(), ...gone])].filter((id) => !customers.has(id));
  if (missing.length > 0) {
    const parents = await client.executeKw<OdooRecord[]>(
      'res.partner',
      'search_read',
      [[['id', 'in', missing]]],
      { fields, context: { active_test: false } },
      signal,
    );
    for (const parent of parents) customers.set(parent.id, parent);
    // A parent unlinked with its addresses: nothing to publish, nothing left to remember.
    for (const id of gone) if (!customers.has(id)) remembered?.forgetParent(id);
  }
  // Their invoice and delivery addresses, archived ones too: an archived address is no longer one (the mapping leaves
  // it out), but its archiving is the customer's latest change (its time and user). All of them, whichever rows the
  // page holds, so a customer read twice as it is is the same version.
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
          { fields, order: 'id asc', context: { active_test: false } },
          signal,
        );
  const withStates = await states.readIn([...customers.values(), ...addresses], signal);
  const read = new Map(withStates.map((record) => [record.id, record]));
  const document = (customerId: number) => {
    const customer = read.get(customerId);
    // A parent deleted since its address was written: nothing to publish.
    if (!customer) return undefined;
    // Its children are the addresses as their own read found them, never as the customer's row listed them: that row
    // was read before them, and an address unlinked or archived in between would otherwise give a document the next
    // read does not (an id with no record, an archived address in another place), the same content published again
    // as another version. child_ids (active children only, its domain) gives the order of the active addresses; the
    // others (archived, or added since the row was read) follow by id. Other children (contacts) are left out: the
    // mapping reads none, and an id alone cannot tell one from an address gone.
    const listed = Array.isArray(customer.child_ids) ? (customer.child_ids as number[]) : [];
    const own = addresses.filter((a) => many2oneId(a.parent_id) === customerId);
    const active = new Set(own.filter((a) => a.active !== false).map((a) => a.id));
    const first = listed.filter((id) => active.has(id));
    const children = [...first, ...own.map((a) => a.id).filter((id) => !first.includes(id))];
    return Buffer.from(JSON.stringify([{ ...customer, child_ids: children.map((id) => read.get(id)!) }]));
  };
  // The parents read again for an address gone (no row of theirs in the page) come first, stamped just before the
  // page: no row moves the cursor for them.
  const before = new Date(Date.parse(since) - 1).toISOString();
  const goneItems = [...gone]
    .filter((id) => !lastRow.has(id))
    .sort((a, b) => a - b)
    .flatMap((customerId) => {
      const bytes = document(customerId);
      return bytes
        ? [
            {
              id: String(customerId),
              updatedAt: before,
              bytes,
              format: 'odoo-res-partner',
              name: `res.partner/${customerId}`,
            },
          ]
        : [];
    });
  const last = rows.at(-1);
  return {
    items: [
      ...goneItems,
      ...[...lastRow].flatMap(([customerId, row]) => {
        const bytes = document(customerId);
        return bytes
          ? [
              {
                id: String(row.id),
                updatedAt: isoDateTime(String(row.write_date)),
                bytes,
                format: 'odoo-res-partner',
                name: `res.partner/${customerId}`,
              },
            ]
          : [];
      }),
    ],
    // The next page follows the last row read, whichever customers it gave (fewer items than rows).
    ...(last && rows.length >= pageSize
      ? { next: { updatedSince: isoDateTime(String(last.write_date)), afterId: String(last.id) } }
      : {}),
  };
}
