import type { Router } from 'express';
import { z } from 'zod';
import type { SimContext } from '../common/types.ts';
import { addressSchema, linesSchema } from './body-schemas.ts';
import type { DespatchWorker } from './despatch.ts';
import { problem, validBody } from './errors.ts';
import { EDIFACT_PROFILES, isProfile, profileFor, X12_PROFILES } from './profiles.ts';
import type { DespatchRequest, LogisticsState } from './state.ts';

const requestSchema = z.object({
  orderNumber: z.string().min(1).max(35),
  purchaseOrderNumber: z.string().min(1).max(22),
  shipTo: addressSchema('shipTo').extend({
    id: z
      .string()
      .regex(/^\d{13}$/, 'shipTo.id must be a 13-digit GLN')
      .optional(),
  }),
  lines: linesSchema({ description: z.string().max(80).optional() }),
  format: z.enum(['x12-856', 'edifact-desadv']),
  partner: z.string().regex(/^[A-Za-z0-9]{2,15}$/, 'partner must be 2 to 15 letters or digits (an EDI id)'),
  /** Envelope style; by default the partner's own (stable per partner). */
  envelope: z.string().optional(),
});

function view(request: DespatchRequest) {
  const { despatchDue: _d, deliveryDue: _e, ...rest } = request;
  return rest;
}

/** The provider's despatch API: accept a request (202), then follow its status. */
export function apiRoutes(
  router: Router,
  sim: SimContext<LogisticsState>,
  worker: () => DespatchWorker,
  despatchDelayMs: number,
): void {
  router.post('/api/despatch-requests', (req, res) => {
    const input = validBody(requestSchema, req.body, 'Invalid despatch request');
    if (input.envelope !== undefined && !isProfile(input.format, input.envelope)) {
      const known = Object.keys(input.format === 'x12-856' ? X12_PROFILES : EDIFACT_PROFILES).join(', ');
      throw problem(
        400,
        'validation',
        'Invalid despatch request',
        `unknown envelope ${input.envelope} (known: ${known})`,
      );
    }
    const state = sim.state;
    const existing = Object.values(state.requests).find((r) => r.orderNumber === input.orderNumber);
    if (existing) {
      throw problem(
        409,
        'duplicate-order',
        'Order already requested',
        `order ${input.orderNumber} is request ${existing.requestId}`,
        {
          instance: `/api/despatch-requests/${existing.requestId}`,
        },
      );
    }
    state.counters.request++;
    const requestId = `DR${String(state.counters.request).padStart(10, '0')}`;
    const now = Date.now();
    const { envelope, lines, ...rest } = input;
    const request: DespatchRequest = {
      ...rest,
      requestId,
      profile: profileFor(input.format, input.partner, envelope),
      lines: lines.map((line, i) => ({ ...line, lineNumber: line.lineNumber ?? i + 1 })),
      status: 'accepted',
      receivedAt: new Date(now).toISOString(),
      despatchDue: now + despatchDelayMs,
      asns: [],
    };
    state.requests[requestId] = request;
    sim.recordEffect(req, {
      entityType: 'DespatchRequest',
      entityId: requestId,
      operation: 'create',
      detail: { orderNumber: input.orderNumber },
    });
    worker().schedule(request);
    res
      .status(202)
      .location(`/api/despatch-requests/${requestId}`)
      .json({
        requestId,
        status: 'accepted',
        estimatedDespatch: new Date(request.despatchDue).toISOString(),
      });
  });

  router.get('/api/despatch-requests', (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    const all = Object.values(sim.state.requests).filter((r) => status === undefined || r.status === status);
    res.json({ count: all.length, requests: all.map(view) });
  });

  router.get('/api/despatch-requests/:id', (req, res) => {
    const request = sim.state.requests[req.params.id];
    if (!request) throw problem(404, 'not-found', 'Not found', `no despatch request ${req.params.id}`);
    res.json(view(request));
  });
  // Control: the goods of a despatched request arrive now (tests, the demo), not `deliveryDelayMs` after despatch.
  router.post('/sim/despatch-requests/:id/deliver', (req, res) => {
    const request = worker().deliver(req.params.id);
    if (!request) throw problem(404, 'not-found', 'Not found', `no despatch request ${req.params.id}`);
    if (request.status === 'accepted') {
      throw problem(
        409,
        'not-despatched',
        'Not despatched',
        `despatch request ${req.params.id} is not despatched yet`,
      );
    }
    res.json(view(request));
  });
}
