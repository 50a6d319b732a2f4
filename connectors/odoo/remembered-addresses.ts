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
 * position (`encode` / `restore`, `[child, parent, …]`, about 14 bytes an address), so a restart still knows them.
 * A position from before it (none there) is filled from Odoo at the first pass (`needsSeed`): the addresses Odoo
 * holds then.
 */
export class RememberedAddresses {
  private readonly parents = new Map<number, number>();
  private readonly children = new Map<number, Set<number>>();
  /** A position without addresses (from before they were kept): filled from Odoo at the first pass. */
  needsSeed = false;

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
    this.needsSeed = false;
    if (position === undefined || position === null) return;
    const list = (position as { addresses?: unknown }).addresses;
    if (!Array.isArray(list)) {
      this.needsSeed = true;
      return;
    }
    for (let i = 0; i + 1 < list.length; i += 2) {
      const [child, parent] = [list[i], list[i + 1]];
      if (Number.isSafeInteger(child) && Number.isSafeInteger(parent))
        this.remember(child as number, parent as number);
    }
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
   * The parents of children remembered that are no longer an active address (unlinked, archived, retyped): one
   * `search` of the remembered ids among the active address children.
   */
  async gone(client: OdooClient, signal: AbortSignal): Promise<Set<number>> {
    if (this.parents.size === 0) return new Set();
    const ids = [...this.parents.keys()];
    const still = await client.executeKw<number[]>(
      'res.partner',
      'search',
      [
        [
          ['id', 'in', ids],
          ['type', 'in', ADDRESS_TYPES],
          ['is_company', '=', false],
        ],
      ],
      {},
      signal,
    );
    const present = new Set(still);
    return new Set(ids.filter((id) => !present.has(id)).map((id) => this.parents.get(id)!));
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

  /** The position's form: `[child, parent, child, parent, …]`. */
  encode(): number[] {
    return [...this.parents].flat();
  }
}
