import type { Router } from 'express';
import { z } from 'zod';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import { type InboundOptions, pollInbound } from './inbound.ts';
import { dropOrders } from './outbound.ts';
import type { SapState } from './state.ts';
import { isVariantRequest } from './variants.ts';

export interface SapFolders extends InboundOptions {
  dropDir: string;
  readyMarker: boolean;
  idocsPerFile: number;
  intervalMs: number;
  pollMs: number;
}

const ordersSchema = z.object({
  count: z.number().int().min(1).max(1000).default(1),
  idocsPerFile: z.number().int().min(1).max(500).optional(),
  variant: z
    .unknown()
    .refine(isVariantRequest, 'variant: plain, mixed, one variant name or a list of them')
    .optional(),
  ready: z.boolean().optional(),
  soldTo: z.string().min(1).optional(),
});

/** SAP-only control routes: orders on demand, the files written and the order responses read. */
export function sapSimRoutes(router: Router, sim: SimContext<SapState>, folders: SapFolders): void {
  router.post('/sim/orders', (req, res) => {
    const parsed = ordersSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new SimHttpError(400, { error: z.prettifyError(parsed.error) });
    const { count, idocsPerFile, variant, ready, soldTo } = parsed.data;
    const files = dropOrders(
      sim,
      folders.dropDir,
      {
        count,
        idocsPerFile: idocsPerFile ?? folders.idocsPerFile,
        variant: variant ?? 'mixed',
        readyMarker: ready ?? folders.readyMarker,
        ...(soldTo === undefined ? {} : { soldTo }),
      },
      req,
    );
    res.status(201).json({ dropDir: folders.dropDir, files });
  });

  router.get('/sim/orders', (_req, res) => {
    res.json({ count: sim.state.orders.length, orders: sim.state.orders });
  });
  router.get('/sim/files', (_req, res) => {
    res.json({
      dropDir: folders.dropDir,
      inboundDir: folders.inboundDir,
      outbound: sim.state.outbound,
      inbound: sim.state.inbound,
    });
  });

  // Credit memo requests SD created from inbound ORDERS IDocs of type CR.
  router.get('/sim/credit-memo-requests', (req, res) => {
    const reference = typeof req.query.referenceOrder === 'string' ? req.query.referenceOrder : undefined;
    const requests = (sim.state.creditMemoRequests ?? []).filter(
      (r) => reference === undefined || r.referenceOrder === reference,
    );
    res.json({ count: requests.length, creditMemoRequests: requests });
  });

  // The inbound ORDRSP statuses: of one SAP order (`orderNumber`, the sales document), or by the customer's PO
  // number (`purchaseOrderNumber`, also the reference as the response carried it), or all.
  router.get('/sim/order-status', (req, res) => {
    const query = (name: string) => (typeof req.query[name] === 'string' ? req.query[name] : undefined);
    const order = query('orderNumber');
    const po = query('purchaseOrderNumber');
    const statuses = sim.state.statuses.filter(
      (s) =>
        (order === undefined || s.orderNumber === order) &&
        (po === undefined || s.purchaseOrderNumber === po || s.reference === po),
    );
    res.json({ count: statuses.length, statuses, files: sim.state.inbound });
  });
  router.post('/sim/inbound/poll', (_req, res) => {
    res.json({ files: pollInbound(sim, folders) });
  });

  router.get('/sim/config', (_req, res) => {
    res.json(folders);
  });
}
