import type { Router } from 'express';
import { z } from 'zod';
import type { SimContext } from '../common/types.ts';
import { addressSchema, linesSchema } from './body-schemas.ts';
import type { DespatchWorker } from './despatch.ts';
import { problem, validBody } from './errors.ts';
import type { LogisticsState, ReturnAuthorization } from './state.ts';

const returnSchema = z.object({
  rmaNumber: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,35}$/, 'rmaNumber must be 1 to 35 letters, digits, ".", "_" or "-"'),
  orderNumber: z.string().min(1).max(35),
  purchaseOrderNumber: z.string().min(1).max(22),
  reason: z.string().min(1).max(80),
  returnFrom: addressSchema('returnFrom').optional(),
  lines: linesSchema({ reason: z.string().max(80).optional() }),
});

function view(ret: ReturnAuthorization) {
  const { receiptDue: _due, ...rest } = ret;
  return rest;
}

/**
 * The provider's returns API: the seller authorises a return under its RMA number (`POST /api/return-authorizations`,
 * 201), the goods arrive after `returnDelayMs` (or at `POST /sim/returns/{rmaNumber}/receive`) and their receipt is
 * captured as EPCIS (receiving / returned). An RMA number already authorised is a 409 `duplicate-return`; a resend
 * with the same `Idempotency-Key` gets the first answer again (the core's idempotency).
 */
export function returnRoutes(
  router: Router,
  sim: SimContext<LogisticsState>,
  worker: () => DespatchWorker,
  returnDelayMs: number,
): void {
  router.post('/api/return-authorizations', (req, res) => {
    const input = validBody(returnSchema, req.body, 'Invalid return authorization');
    sim.state.returns ??= {};
    const returns = sim.state.returns;
    const existing = returns[input.rmaNumber];
    if (existing) {
      throw problem(
        409,
        'duplicate-return',
        'Return already authorized',
        `RMA ${input.rmaNumber} is return ${existing.returnId}`,
        { instance: `/api/return-authorizations/${input.rmaNumber}` },
      );
    }
    sim.state.counters.request++;
    const now = Date.now();
    const ret: ReturnAuthorization = {
      ...input,
      returnId: `RT${String(sim.state.counters.request).padStart(10, '0')}`,
      lines: input.lines.map((line, i) => ({ ...line, lineNumber: line.lineNumber ?? i + 1 })),
      status: 'authorized',
      authorizedAt: new Date(now).toISOString(),
      receiptDue: now + returnDelayMs,
    };
    returns[input.rmaNumber] = ret;
    sim.recordEffect(req, {
      entityType: 'ReturnAuthorization',
      entityId: input.rmaNumber,
      operation: 'create',
      detail: { returnId: ret.returnId, orderNumber: input.orderNumber },
    });
    worker().scheduleReturn(ret);
    res
      .status(201)
      .location(`/api/return-authorizations/${input.rmaNumber}`)
      .json({
        returnId: ret.returnId,
        rmaNumber: ret.rmaNumber,
        status: ret.status,
        expectedReceipt: new Date(ret.receiptDue).toISOString(),
      });
  });

  router.get('/api/return-authorizations', (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    const all = Object.values(sim.state.returns ?? {}).filter(
      (r) => status === undefined || r.status === status,
    );
    res.json({ count: all.length, returns: all.map(view) });
  });

  router.get('/api/return-authorizations/:rmaNumber', (req, res) => {
    const ret = sim.state.returns?.[req.params.rmaNumber];
    if (!ret) throw problem(404, 'not-found', 'Not found', `no return authorization ${req.params.rmaNumber}`);
    res.json(view(ret));
  });

  // Control: the goods of an authorised return arrive now (tests, the demo).
  router.post('/sim/returns/:rmaNumber/receive', (req, res) => {
    const ret = worker().receiveReturn(req.params.rmaNumber);
    if (!ret) throw problem(404, 'not-found', 'Not found', `no return authorization ${req.params.rmaNumber}`);
    res.json(view(ret));
  });
}
