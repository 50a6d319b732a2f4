import type { Json, SourceDocument } from '../sdk/index.ts';
import { many2oneId, type OdooClient, type OdooRecord } from './jsonrpc.ts';

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
 * The address children (invoice and delivery child partners) of each customer as the source last published it:
 * child id → parent id. Odoo leaves no trace of an unlinked record (no row, no stamp on its parent), so a child
 * deleted is seen only by asking for the children the source published and finding one gone (`gone`); a child
 * archived, retyped (delivery → contact) or moved to another parent has a row of its own, which names its new state
 * but not the parent it left (`formerParent`).
 *
 * Kept as what was committed (`commit`, from the documents a batch published) and carried in the res.partner
 * position (`encode` / `restore`: a text of 4 to 6 bytes an address, see `encodeAddresses`), so a restart still
 * knows them. A position without them (from before they were kept, or one that would have grown past
 * MAX_ENCODED_ADDRESSES), and none (a first start), is filled from Odoo at the first page read (`needsSeed`): the
 * addresses Odoo holds then, so that no row is taken for a customer that became an address (partners.ts).
 */
export class RememberedAddresses {
  private readonly parents = new Map<number, number>();
  private readonly children = new Map<number, Set<number>>();
  /** A position without addresses (from before they were kept): filled from Odoo at the first pass. */
  needsSeed = false;
  /** The unlinks found per customer, with when (`unlinkStamp`); in memory, the newest MAX_UNLINK_STAMPS. */
  private readonly unlinks = new Map<number, UnlinkStamp>();

  get size(): number {
    return this.parents.size;
  }

  /** The parent the child was an address of when last published, if it was one. */
  formerParent(child: number): number | undefined {
    return this.parents.get(child);
  }

  private remember(child: number, parent: number): void {
    const before = this.parents.get(child);
    if (before !== undefined) this.children.get(before)?.delete(child);
    this.parents.set(child, parent);
    const set = this.children.get(parent) ?? new Set<number>();
    set.add(child);
    this.children.set(parent, set);
  }

  /** Takes the addresses a committed position carried; a position without them is filled from Odoo (`seed`). */
  restore(position: Json | undefined): void {
    this.parents.clear();
    this.children.clear();
    this.unlinks.clear();
    // No position (a first start, offsets reset): the addresses Odoo holds, before the first pass judges a row by them.
    this.needsSeed = position === undefined || position === null;
    if (this.needsSeed) return;
    const pairs = decodeAddresses((position as { addresses?: unknown }).addresses);
    if (!pairs) {
      this.needsSeed = true;
      return;
    }
    for (const [child, parent] of pairs) this.remember(child, parent);
  }

  /** Every active address child Odoo holds now (one search_read). */
  async seed(client: OdooClient, signal: AbortSignal): Promise<void> {
    const children = await client.executeKw<OdooRecord[]>(
      'res.partner',
      'search_read',
      [
        [
          ['parent_id', '!=', false],
          ['type', 'in', ADDRESS_TYPES],
          ['is_company', '=', false],
        ],
      ],
      { fields: ['parent_id', 'type', 'is_company'] },
      signal,
    );
    for (const child of children) {
      const parent = addressOf(child);
      if (parent !== undefined) this.remember(child.id, parent);
    }
    this.needsSeed = false;
  }

  /**
   * The children remembered that are no longer an active address (unlinked, archived, retyped), by their parent: a
   * `search` of the remembered ids among the active address children, SEARCH_CHUNK ids a call, so that a large
   * database's check is several small requests, not one of every id.
   */
  async gone(client: OdooClient, signal: AbortSignal): Promise<Map<number, number[]>> {
    const ids = [...this.parents.keys()];
    const present = await searchChunked(
      client,
      ids,
      [
        ['type', 'in', ADDRESS_TYPES],
        ['is_company', '=', false],
      ],
      {},
      signal,
    );
    const gone = new Map<number, number[]>();
    for (const id of ids) {
      if (present.has(id)) continue;
      const parent = this.parents.get(id)!;
      gone.set(parent, [...(gone.get(parent) ?? []), id]);
    }
    return gone;
  }

  /**
   * The unlinked children a customer's document carries, stamped `at` (Odoo's datetime form): those `found` now,
   * beside those found before that no later change of the customer (`latestMs`, its latest stamp read) has passed;
   * undefined when there are none. The time of the first finding stays, so the customer read again is the same version.
   */
  unlinkStamp(
    customer: number,
    found: readonly number[],
    at: string,
    latestMs: number,
  ): UnlinkStamp | undefined {
    let kept = this.unlinks.get(customer);
    if (kept && Date.parse(`${kept.at.replace(' ', 'T')}Z`) < latestMs) {
      this.unlinks.delete(customer);
      kept = undefined;
    }
    const fresh = found.filter((id) => !kept?.children.includes(id));
    if (fresh.length === 0) return kept;
    const stamp = { children: [...(kept?.children ?? []), ...fresh], at };
    this.unlinks.delete(customer);
    this.unlinks.set(customer, stamp);
    if (this.unlinks.size > MAX_UNLINK_STAMPS) this.unlinks.delete(this.unlinks.keys().next().value!);
    return stamp;
  }

  /** Forgets a parent Odoo no longer has (nothing to publish for it), with its children. */
  forgetParent(parent: number): void {
    for (const child of this.children.get(parent) ?? []) this.parents.delete(child);
    this.children.delete(parent);
  }

  /** What the addresses are after `documents` (res.partner documents, in order) are published. */
  after(documents: readonly SourceDocument[]): RememberedAddresses {
    const next = new RememberedAddresses();
    for (const [child, parent] of this.parents) next.remember(child, parent);
    next.apply(documents);
    return next;
  }

  /** Takes what `documents` published: each customer's address children now, its former ones forgotten. */
  apply(documents: readonly SourceDocument[]): void {
    for (const document of documents) {
      // A position-only document with bytes is a version published already (by another row's read): taken too.
      if (document.bytes.length === 0) continue;
      const [customer] = JSON.parse(document.bytes.toString('utf8')) as [OdooRecord];
      if (!customer) continue;
      this.forgetParent(customer.id);
      for (const child of Array.isArray(customer.child_ids) ? customer.child_ids : []) {
        const record = child as OdooRecord;
        if (typeof record === 'object' && record.active !== false && addressOf(record) === customer.id)
          this.remember(record.id, customer.id);
      }
    }
  }

  /**
   * The position's form (`encodeAddresses`), or null when it would pass MAX_ENCODED_ADDRESSES: the position is then
   * committed without them, and a restart takes the addresses Odoo holds at its first pass (a child unlinked while
   * the hub was stopped is then not seen; one unlinked while it runs still is).
   */
  encode(): string | null {
    const text = encodeAddresses(this.parents);
    return text.length > MAX_ENCODED_ADDRESSES ? null : text;
  }
}

/** Unlinked children found, and when, for a customer until its next change (`unlinkStamp`). */
export interface UnlinkStamp {
  children: number[];
  /** When the source found them gone, as Odoo writes datetimes (`YYYY-MM-DD HH:MM:SS`, UTC). */
  at: string;
}

/** Customers whose unlink stamps are kept: those read again within the overlap window, and more. */
const MAX_UNLINK_STAMPS = 10_000;

/** Remembered ids asked about in one `search` (`id in […]`): a request of about 40 KB. */
export const SEARCH_CHUNK = 5000;

/** Those of `ids` Odoo finds with `domain` besides (`search`, SEARCH_CHUNK ids a call). */
async function searchChunked(
  client: OdooClient,
  ids: readonly number[],
  domain: unknown[],
  kwargs: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Set<number>> {
  const found = new Set<number>();
  for (let from = 0; from < ids.length; from += SEARCH_CHUNK) {
    const still = await client.executeKw<number[]>(
      'res.partner',
      'search',
      [[['id', 'in', ids.slice(from, from + SEARCH_CHUNK)], ...domain]],
      kwargs,
      signal,
    );
    for (const id of still) found.add(id);
  }
  return found;
}

/**
 * Those of `ids` (children no longer an active address, `gone`) that Odoo no longer holds at all, archived ones
 * included: unlinked, as opposed to archived or retyped, whose rows the poll reads with their own stamps.
 */
export async function unlinkedOf(
  client: OdooClient,
  ids: readonly number[],
  signal: AbortSignal,
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const held = await searchChunked(client, ids, [], { context: { active_test: false } }, signal);
  return new Set(ids.filter((id) => !held.has(id)));
}

/**
 * The longest text of addresses a position carries: a position is one record of the connect group's offsets topic,
 * whose records Kafka takes up to 1 MB by default (`max.message.bytes`), beside the overlap's versions: 85,000 to
 * 130,000 addresses, at 4 to 6 bytes each.
 */
export const MAX_ENCODED_ADDRESSES = 512 * 1024;

/**
 * The addresses (child id → parent id) as a text: by child id, each `<child − previous child>.<child − parent>`
 * in base 36 (a minus sign where the parent is the newer record), comma-separated. Ids of one database grow together,
 * so both numbers are small: 4 to 6 bytes an address, where a JSON list of the pairs takes 14.
 */
export function encodeAddresses(parents: ReadonlyMap<number, number>): string {
  const children = [...parents.keys()].sort((a, b) => a - b);
  let previous = 0;
  const parts: string[] = [];
  for (const child of children) {
    parts.push(`${(child - previous).toString(36)}.${(child - parents.get(child)!).toString(36)}`);
    previous = child;
  }
  return parts.join(',');
}

/**
 * The pairs `[child, parent]` of a position's addresses (`encodeAddresses`' text, or the `[child, parent, …]` list
 * positions held before it), or undefined when it holds none to take (absent, null, or not of either form).
 */
export function decodeAddresses(value: unknown): Array<[number, number]> | undefined {
  if (Array.isArray(value)) {
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i + 1 < value.length; i += 2)
      if (Number.isSafeInteger(value[i]) && Number.isSafeInteger(value[i + 1]))
        pairs.push([value[i] as number, value[i + 1] as number]);
    return pairs;
  }
  if (typeof value !== 'string') return undefined;
  const pairs: Array<[number, number]> = [];
  let child = 0;
  for (const part of value === '' ? [] : value.split(',')) {
    const [step, back] = part.split('.');
    const delta = Number.parseInt(step ?? '', 36);
    const offset = Number.parseInt(back ?? '', 36);
    // A text not of this form is no memory to trust: the addresses are taken from Odoo again.
    if (!Number.isSafeInteger(delta) || delta <= 0 || !Number.isSafeInteger(offset)) return undefined;
    child += delta;
    pairs.push([child, child - offset]);
  }
  return pairs;
}
