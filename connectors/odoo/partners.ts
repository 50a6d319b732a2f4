import { PARTNER_WRITABLE_FIELDS } from '../../formats/odoo-res-partner/index.ts';
import type { Cursor, Page } from '../transports/poll.ts';
import type { CountryStates } from './country-states.ts';
import { many2oneId, type OdooClient, type OdooRecord } from './jsonrpc.ts';
import { ADDRESS_TYPES, addressOf, type RememberedAddresses, unlinkedOf } from './remembered-addresses.ts';
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
 *
 * A row that became an address and may have been a customer of its own (`wasCustomer`: a contact person retyped to
 * invoice or delivery) is published alone too, which the mapping reads as a DELETED customer. An address that left
 * its customer (retyped, moved) and one unlinked are read into the customer's document for their stamps alone
 * (`{id, left: true, …}`, `{id, unlinked: true, …}`): the customer's change is theirs.
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
  const observedAt = Date.now();
  // What the addresses are, before any row is judged by them (a first start, a position without them).
  if (remembered?.needsSeed) await remembered.seed(client, signal);
  // At the first page of a pass, the addresses published before that Odoo no longer holds as such: an unlinked one
  // leaves no row to read, so its parent is read again for it.
  let goneChildren = new Map<number, number[]>();
  const since = (cursor as { updatedSince: string; afterId?: string }).updatedSince;
  if (remembered && !(cursor as { afterId?: string }).afterId)
    goneChildren = await remembered.gone(client, signal);
  // Of those, the ones unlinked (no row left, archived or not): Odoo keeps no time or user of an unlink, and their
  // parents are read again for them. One archived or retyped has a row stamped after the cursor, which this pass reads
  // and which gives its former parent again with its stamp.
  const unlinked = await unlinkedOf(client, [...goneChildren.values()].flat(), signal);
  const gone = new Set(
    [...goneChildren]
      .filter(([, children]) => children.some((id) => unlinked.has(id)))
      .map(([parent]) => parent),
  );
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
  /** Rows that became an address and were perhaps a customer of their own before (published as such). */
  const noLongerCustomers: OdooRecord[] = [];
  /** Per customer, the rows of addresses that left it (retyped, moved to another parent): their stamps are its change. */
  const left = new Map<number, OdooRecord[]>();
  for (const row of rows) {
    const parent = addressOf(row);
    const former = remembered?.formerParent(row.id);
    if (remembered && wasCustomer(row, former)) noLongerCustomers.push(row);
    const touched = [parent ?? row.id];
    if (parent === undefined) customers.set(row.id, row);
    // No longer an address of the customer it was published with (retyped to a contact, moved to another parent):
    // that customer is read again without it.
    if (former !== undefined && former !== parent) {
      touched.push(former);
      left.set(former, [...(left.get(former) ?? []).filter((r) => r.id !== row.id), row]);
    }
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
  const withStates = await states.readIn([...customers.values(), ...addresses, ...noLongerCustomers], signal);
  const read = new Map(withStates.map((record) => [record.id, record]));
  // The change of an address that left the customer (retyped, moved): its row's stamp, as a child read in with
  // nothing else (no parent nor type: no address of the customer's), so the customer's version is by that user.
  const leftStamp = (customerId: number): OdooRecord[] =>
    (left.get(customerId) ?? []).map((row) => ({
      id: row.id,
      left: true,
      write_date: row.write_date,
      write_uid: row.write_uid,
    }));
  // The change an unlink made, as a child read in: when the source found it gone (Odoo's time at the latest: the
  // clocks may differ), by no user, so never the hub's echo. Kept for the customer until a later change of it, so
  // a read of it again (the overlap) is the same version, not one stamped by its latest remaining write.
  const unlinkStamp = (customerId: number): OdooRecord[] => {
    const found = (goneChildren.get(customerId) ?? []).filter((id) => unlinked.has(id));
    const latest = Math.max(
      0,
      ...[read.get(customerId), ...addresses.filter((a) => many2oneId(a.parent_id) === customerId)]
        .map((record) => Date.parse(isoDateTime(String(record?.write_date ?? ''))))
        .filter((ms) => !Number.isNaN(ms)),
    );
    const stamp = remembered?.unlinkStamp(
      customerId,
      found,
      odooDateTime(Math.max(observedAt, latest)),
      latest,
    );
    return stamp
      ? stamp.children.map((id) => ({ id, unlinked: true, write_date: stamp.at, write_uid: false }))
      : [];
  };
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
    return Buffer.from(
      JSON.stringify([
        {
          ...customer,
          child_ids: [
            ...children.map((id) => read.get(id)!),
            ...leftStamp(customerId),
            ...unlinkStamp(customerId),
          ],
        },
      ]),
    );
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
  // A partner no longer a customer of its own (now an address of its parent): its own row, which the mapping reads
  // as a DELETED customer (the address itself is its parent's, in its parent's document).
  const deletedItems = noLongerCustomers.map((row) => ({
    id: String(row.id),
    updatedAt: isoDateTime(String(row.write_date)),
    bytes: Buffer.from(JSON.stringify([read.get(row.id) ?? row])),
    format: 'odoo-res-partner',
    name: `res.partner/${row.id}`,
  }));
  const last = rows.at(-1);
  // The items of rows in the order of their rows (each DELETED beside its company's), after those of addresses gone.
  const rowOrder = new Map(rows.map((row, i) => [String(row.id), i]));
  const byRow = (a: { id: string }, b: { id: string }) => rowOrder.get(a.id)! - rowOrder.get(b.id)!;
  return {
    items: [
      ...goneItems,
      ...[
        ...deletedItems,
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
      ].sort(byRow),
    ],
    // The next page follows the last row read, whichever customers it gave (fewer items than rows).
    ...(last && rows.length >= pageSize
      ? { next: { updatedSince: isoDateTime(String(last.write_date)), afterId: String(last.id) } }
      : {}),
  };
}

/**
 * Whether a row that is an address now (`addressOf`) may have been published as a customer of its own: a contact
 * person (or another partner) retyped to invoice or delivery, or given a parent. The addresses remembered tell one
 * that was an address already (`former`, its parent then); one not remembered and changed since it was created, still
 * active, was a customer, or an address made and edited since the last pass (its DELETED is then of a customer the hub
 * never had, which master data skips). One created as an address (create_date = write_date) never was one.
 */
function wasCustomer(row: OdooRecord, former: number | undefined): boolean {
  return (
    addressOf(row) !== undefined &&
    former === undefined &&
    row.active !== false &&
    row.create_date !== undefined &&
    row.create_date !== row.write_date
  );
}

/** A time as Odoo writes datetimes (UTC, whole seconds: `YYYY-MM-DD HH:MM:SS`). */
function odooDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
