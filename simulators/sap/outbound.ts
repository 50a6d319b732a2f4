import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request } from 'express';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import { createRng } from '../generator/prng.ts';
import { alphaKunnr, toCustomer } from './customers.ts';
import {
  buildOrderIdoc,
  countSegments,
  DEFAULT_PARTIES,
  type OrderIdoc,
  type OrderParty,
} from './idoc-order.ts';
import { writeIdocFile } from './idoc-xml.ts';
import type { OutboundFile, SapState } from './state.ts';
import { resolveVariants, type VariantRequest } from './variants.ts';

export interface DropRequest {
  count: number;
  idocsPerFile: number;
  variant: VariantRequest;
  readyMarker: boolean;
  /**
   * The sold-to party of every order (a KUNNR of the customer master); without it each order's party is drawn from the
   * master. A caller whose credit checks must not see these orders' exposure names a party of their own.
   */
  soldTo?: string;
}

/** The built-in sold-to parties' credit limit, in each one's currency: room for many orders (about 5,000 each). */
const DEFAULT_CREDIT_LIMIT = 1_000_000;

/**
 * Sold-to parties from the customer master. An empty master (no `--seed`, no state) first gets the built-in parties as
 * customers, with a credit limit: in SAP a sales order's sold-to party is a customer master record, and orders of
 * parties the master lacks were refused by the simulator's own credit check (`F2/153 Customer … does not exist`), so
 * every order of `npx eai sim sap` alone ended compensated.
 */
function parties(state: SapState, now: Date): OrderParty[] {
  if (Object.keys(state.customers).length === 0)
    for (const party of DEFAULT_PARTIES) {
      const customer = toCustomer(party.KUNNR, { ...party, KLIMK: DEFAULT_CREDIT_LIMIT }, now);
      if (Array.isArray(customer))
        throw new Error(`built-in party ${party.KUNNR}: ${JSON.stringify(customer)}`);
      state.customers[party.KUNNR] = customer;
    }
  return Object.values(state.customers).sort((a, b) => a.KUNNR.localeCompare(b.KUNNR));
}

/** The customer named as sold-to party; one the master lacks is refused, as SD refuses the order. */
function soldToParty(state: SapState, given: string): OrderParty {
  const kunnr = alphaKunnr(given);
  const customer = kunnr ? state.customers[kunnr] : undefined;
  if (!customer)
    throw new SimHttpError(400, { error: `soldTo: customer ${given} does not exist in the customer master` });
  return customer;
}

/** Writes to a hidden temporary name, then renames: a reader polling the folder never sees half a file. */
function writeComplete(dir: string, file: string, content: string): void {
  const temporary = join(dir, `.${file}.tmp`);
  writeFileSync(temporary, content);
  renameSync(temporary, join(dir, file));
}

/**
 * Creates `count` orders as ORDERS IDocs, `idocsPerFile` per file, in `dropDir`; each order adds to its
 * sold-to party's open orders (SAUFT) and so to its credit exposure, as a real sales order does.
 */
export function dropOrders(
  sim: SimContext<SapState>,
  dropDir: string,
  request: DropRequest,
  req: Request,
): OutboundFile[] {
  mkdirSync(dropDir, { recursive: true });
  const state = sim.state;
  const soldTo = request.soldTo === undefined ? undefined : soldToParty(state, request.soldTo);
  const files: OutboundFile[] = [];
  let remaining = request.count;
  while (remaining > 0) {
    const size = Math.min(remaining, request.idocsPerFile);
    remaining -= size;
    const now = new Date();
    const fileRng = createRng(state.nextFile * 7919);
    const variants = resolveVariants(request.variant, fileRng);
    const idocs: OrderIdoc[] = [];
    const record: OutboundFile = {
      file: '',
      at: now.toISOString(),
      docnums: [],
      orderNumbers: [],
      segments: [],
      variants: [...variants].sort(),
      readyMarker: request.readyMarker,
    };
    for (let i = 0; i < size; i++) {
      const docnum = String(state.nextDocnum++).padStart(16, '0');
      const orderNumber = String(state.nextOrderNumber++).padStart(10, '0');
      const rng = createRng(Number(docnum));
      // Drawn even when the party is given, so an order's other draws (PO number, items) stay the same.
      const drawn = rng.pick(parties(state, now));
      const party = soldTo ?? drawn;
      const purchaseOrderNumber = `PO-${now.getUTCFullYear()}-${rng.digits(6)}`;
      const idoc = buildOrderIdoc({ docnum, orderNumber, purchaseOrderNumber, party, now, rng, variants });
      idocs.push(idoc);
      record.docnums.push(docnum);
      record.orderNumbers.push(orderNumber);
      record.segments.push(countSegments(idoc.segments));
      const customer = state.customers[party.KUNNR];
      if (customer) {
        customer.SAUFT = Math.round((customer.SAUFT + idoc.amount) * 100) / 100;
        customer.OBLIG = Math.round((customer.SKFOR + customer.SAUFT) * 100) / 100;
      }
      state.orders.push({
        docnum,
        orderNumber,
        purchaseOrderNumber,
        kunnr: party.KUNNR,
        amount: idoc.amount,
        currency: idoc.currency,
        file: '',
      });
    }
    record.file = `ORDERS05_${record.docnums[0]}.xml`;
    for (const order of state.orders.slice(-size)) order.file = record.file;
    writeComplete(dropDir, record.file, writeIdocFile(idocs, variants));
    if (request.readyMarker) writeFileSync(join(dropDir, `${record.file}.ready`), '');
    state.nextFile++;
    state.outbound.push(record);
    sim.recordEffect(req, {
      entityType: 'IDOC_FILE',
      entityId: record.file,
      operation: 'write',
      detail: { docnums: record.docnums, variants: record.variants },
    });
    files.push(record);
  }
  return files;
}
