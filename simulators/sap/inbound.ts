import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../lib/errors.ts';
import type { SimContext } from '../common/types.ts';
import {
  CREDIT_MEMO_REQUEST_TYPES,
  creditMemoRequest,
  messageType,
  orderResponse,
  readIdocs,
  salesDocumentType,
} from './ordrsp.ts';
import { backgroundRequest } from './runtime.ts';
import type { CreditMemoRequest, InboundFile, OrderStatusRecord, SapOrder, SapState } from './state.ts';

export interface InboundOptions {
  inboundDir: string;
  /** Only take a file once `<file>.ready` exists (the marker is removed with the file). */
  requireReadyMarker: boolean;
}

/** Data files waiting in the folder: XML, not hidden (temporary), complete when markers are required. */
function waitingFiles(options: InboundOptions): string[] {
  if (!existsSync(options.inboundDir)) return [];
  const names = readdirSync(options.inboundDir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
  const present = new Set(names);
  return names
    .filter((name) => /\.xml$/i.test(name) && !name.startsWith('.'))
    .filter((name) => !options.requireReadyMarker || present.has(`${name}.ready`))
    .sort();
}

function move(options: InboundOptions, file: string, folder: 'processed' | 'error', reason?: string): void {
  const target = join(options.inboundDir, folder);
  mkdirSync(target, { recursive: true });
  renameSync(join(options.inboundDir, file), join(target, file));
  rmSync(join(options.inboundDir, `${file}.ready`), { force: true });
  if (reason !== undefined) writeFileSync(join(target, `${file}.error.txt`), `${reason}\n`);
}

/**
 * The order SAP sent that a response answers: by its sales document number (E1EDK01-BELNR, as the hub's ORDRSP
 * writes it), else by the E1EDK02 QUALF 001 reference, the customer's PO number (or the order number).
 */
function answeredOrder(orders: SapOrder[], belnr: string, reference: string): SapOrder | undefined {
  return (
    orders.find((o) => belnr !== '' && o.orderNumber === belnr) ??
    orders.find((o) => o.purchaseOrderNumber === reference) ??
    orders.find((o) => o.orderNumber === reference)
  );
}

/**
 * Processes every waiting ORDRSP file: each IDoc gets status 53 (posted) or 51 (error: bad control record,
 * unknown order, DOCNUM already received). A file with any failed IDoc goes to `error/` with the reasons in
 * `<file>.error.txt`, else to `processed/`.
 */
export function pollInbound(sim: SimContext<SapState>, options: InboundOptions): InboundFile[] {
  const handled: InboundFile[] = [];
  for (const file of waitingFiles(options)) {
    const at = new Date().toISOString();
    const req = backgroundRequest('FILE', join(options.inboundDir, file));
    let result: InboundFile;
    try {
      const raw = readIdocs(readFileSync(join(options.inboundDir, file), 'utf8'));
      const known = new Set(sim.state.orders.flatMap((o) => [o.orderNumber, o.purchaseOrderNumber]));
      const seen = new Set(sim.state.statuses.filter((s) => s.status === '53').map((s) => s.docnum));
      const reasons: string[] = [];
      const docnums: string[] = [];
      const idocs = [];
      for (const one of raw) {
        // An ORDERS IDoc of document type CR is a credit memo request (SD creates a sales document); the rest
        // must be order responses.
        if (messageType(one) === 'ORDERS' && CREDIT_MEMO_REQUEST_TYPES.has(salesDocumentType(one))) {
          const docnum = receiveCreditMemoRequest(sim, req, file, at, one, seen);
          docnums.push(docnum.docnum);
          if (docnum.reason) reasons.push(`IDoc ${docnum.docnum || '(no DOCNUM)'}: ${docnum.reason}`);
        } else {
          idocs.push(orderResponse(one));
        }
      }
      for (const idoc of idocs) {
        const { problem, orderNumber: reference, ...fields } = idoc;
        const order = answeredOrder(sim.state.orders, idoc.confirmationNumber, reference);
        const reason =
          problem ??
          (seen.has(idoc.docnum)
            ? `IDoc ${idoc.docnum} was already received`
            : known.has(idoc.orderNumber)
              ? undefined
              : `order ${idoc.orderNumber} does not exist`);
        const status: OrderStatusRecord = {
          ...fields,
          reference,
          orderNumber: order?.orderNumber ?? null,
          purchaseOrderNumber: order?.purchaseOrderNumber ?? null,
          file,
          status: reason ? '51' : '53',
          ...(reason ? { reason } : {}),
          receivedAt: at,
        };
        sim.state.statuses.push(status);
        seen.add(idoc.docnum);
        if (reason) reasons.push(`IDoc ${idoc.docnum || '(no DOCNUM)'}: ${reason}`);
        sim.recordEffect(req, {
          entityType: 'ORDRSP',
          entityId: idoc.docnum,
          operation: reason ? 'reject' : 'post',
          detail: { file, orderNumber: idoc.orderNumber, status: status.status },
        });
      }
      docnums.push(...idocs.map((i) => i.docnum));
      result =
        reasons.length > 0
          ? { file, at, outcome: 'error', reason: reasons.join('; '), docnums }
          : { file, at, outcome: 'processed', docnums };
    } catch (error) {
      result = {
        file,
        at,
        outcome: 'error',
        reason: `file not readable: ${errorMessage(error)}`,
        docnums: [],
      };
      sim.recordEffect(req, { entityType: 'ORDRSP_FILE', entityId: file, operation: 'reject' });
    }
    move(options, file, result.outcome === 'processed' ? 'processed' : 'error', result.reason);
    sim.state.inbound.push(result);
    handled.push(result);
  }
  return handled;
}

/**
 * One credit memo request IDoc as SD's inbound (IDOC_INPUT_ORDERS) handles it: status 53 and a new sales document of
 * type CR, or 51 when the IDoc is incomplete, was received before (DOCNUM), repeats a document number the sender
 * already sent (E1EDK01-BELNR: the request is created once, whatever the transport resends), or credits an order
 * SAP never had.
 */
function receiveCreditMemoRequest(
  sim: SimContext<SapState>,
  req: ReturnType<typeof backgroundRequest>,
  file: string,
  at: string,
  idoc: Record<string, unknown>,
  seen: Set<string>,
): { docnum: string; reason?: string } {
  const { problem, ...parsed } = creditMemoRequest(idoc);
  sim.state.creditMemoRequests ??= [];
  const requests = sim.state.creditMemoRequests;
  const existing = requests.find(
    (r) => r.sender === parsed.sender && r.senderDocument === parsed.senderDocument,
  );
  const credited = sim.state.orders.find((o) => o.orderNumber === parsed.referenceOrder);
  const orders = new Set(sim.state.orders.map((o) => o.orderNumber));
  const reason =
    problem ??
    (seen.has(parsed.docnum)
      ? `IDoc ${parsed.docnum} was already received`
      : existing
        ? `document ${parsed.senderDocument} of ${parsed.sender || '(no sender)'} is already credit memo request ${existing.salesDocument}`
        : parsed.referenceOrder && !orders.has(parsed.referenceOrder)
          ? `reference order ${parsed.referenceOrder} does not exist`
          : undefined);
  seen.add(parsed.docnum);
  sim.state.statuses.push({
    docnum: parsed.docnum,
    file,
    sender: parsed.sender,
    status: reason ? '51' : '53',
    ...(reason ? { reason } : {}),
    reference: parsed.referenceOrder,
    orderNumber: credited?.orderNumber ?? null,
    purchaseOrderNumber: credited?.purchaseOrderNumber ?? null,
    action: '',
    confirmationNumber: parsed.senderDocument,
    items: [],
    receivedAt: at,
  });
  if (reason) {
    sim.recordEffect(req, {
      entityType: 'CreditMemoRequest',
      entityId: parsed.senderDocument || parsed.docnum,
      operation: 'reject',
      detail: { file, docnum: parsed.docnum, reason },
    });
    return { docnum: parsed.docnum, reason };
  }
  const number = sim.state.nextCreditMemoNumber ?? 60_000_001;
  sim.state.nextCreditMemoNumber = number + 1;
  const created: CreditMemoRequest = {
    ...parsed,
    salesDocument: String(number).padStart(10, '0'),
    file,
    createdAt: at,
  };
  requests.push(created);
  sim.recordEffect(req, {
    entityType: 'CreditMemoRequest',
    entityId: parsed.senderDocument,
    operation: 'create',
    detail: {
      file,
      docnum: parsed.docnum,
      salesDocument: created.salesDocument,
      referenceOrder: parsed.referenceOrder,
    },
  });
  return { docnum: parsed.docnum };
}
