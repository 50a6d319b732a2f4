import type { Router } from 'express';
import { z } from 'zod';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import { listedSubscriber } from '../common/webhooks.ts';
import { EPCIS_CHANNEL } from './despatch.ts';
import type { LogisticsState } from './state.ts';

const asnFaultSchema = z.object({
  kind: z.enum(['lose', 'duplicate']),
  count: z.number().int().min(1).max(100).default(1),
});

/** Logistics-only control routes: ASN faults, EPCIS capture subscribers, the ASNs written. */
export function logisticsSimRoutes(
  router: Router,
  sim: SimContext<LogisticsState>,
  outboundDir: string,
): void {
  router.post('/sim/asn-faults', (req, res) => {
    const parsed = asnFaultSchema.safeParse(req.body);
    if (!parsed.success) throw new SimHttpError(400, { error: z.prettifyError(parsed.error) });
    for (let i = 0; i < parsed.data.count; i++) sim.state.asnFaults.push(parsed.data.kind);
    sim.markDirty();
    res.status(201).json({ pending: sim.state.asnFaults });
  });
  router.get('/sim/asn-faults', (_req, res) => {
    res.json({ pending: sim.state.asnFaults });
  });
  router.delete('/sim/asn-faults', (_req, res) => {
    sim.state.asnFaults = [];
    sim.markDirty();
    res.status(204).end();
  });

  router.post('/sim/capture-subscriptions', (req, res) => {
    const parsed = z.object({ url: z.url(), token: z.string().min(1).optional() }).safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new SimHttpError(400, {
        error:
          issue.path[0] === 'token'
            ? 'token: a bearer token is a non-empty string'
            : 'url: an EPCIS capture URL is required',
      });
    }
    const { url, token } = parsed.data;
    const subscriber = sim.webhooks.subscribe(url, EPCIS_CHANNEL, token);
    sim.markDirty();
    res.status(201).json(listedSubscriber(subscriber));
  });
  router.get('/sim/capture-subscriptions', (_req, res) => {
    res.json({ subscriptions: sim.webhooks.listed().filter((s) => s.channel === EPCIS_CHANNEL) });
  });

  router.get('/sim/asns', (_req, res) => {
    const asns = Object.values(sim.state.requests).flatMap((r) =>
      r.asns.map((asn) => ({ requestId: r.requestId, orderNumber: r.orderNumber, format: r.format, ...asn })),
    );
    res.json({ outboundDir, count: asns.length, asns });
  });
}
