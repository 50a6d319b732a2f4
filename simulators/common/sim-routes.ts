import { Router } from 'express';
import { z } from 'zod';
import type { EffectLog } from './effects.ts';
import { type FaultRegistry, faultListSchema } from './faults.ts';
import { SimHttpError } from './http-error.ts';
import { listedSubscriber, type WebhookDispatcher } from './webhooks.ts';

const subscriptionSchema = z.object({
  url: z.url(),
  channel: z.string().min(1).optional(),
  /** Sent as a bearer token with every delivery (the hub's webhook `signature: {scheme: bearer}`). */
  token: z.string().min(1).optional(),
});

export interface ControlDeps {
  name: string;
  faults: FaultRegistry;
  effects: EffectLog;
  webhooks: WebhookDispatcher;
  channels: string[] | undefined;
  reset: (empty: boolean) => void;
  markDirty: () => void;
}

/** Parses with zod and answers 400 in the neutral control-plane shape (these are not the system's routes). */
function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new SimHttpError(400, { error: 'invalid control request', issues: z.treeifyError(result.error) });
  }
  return result.data;
}

/** The `/sim/*` control plane, identical in every simulator. */
export function controlRoutes(deps: ControlDeps): Router {
  const router = Router();
  router.get('/sim', (_req, res) => {
    res.json({
      name: deps.name,
      faults: deps.faults.list().length,
      subscribers: deps.webhooks.list().length,
    });
  });

  router.get('/sim/faults', (_req, res) => {
    res.json({ faults: deps.faults.list() });
  });
  router.post('/sim/faults', (req, res) => {
    const parsed = parse(faultListSchema, req.body);
    const added = deps.faults.add(Array.isArray(parsed) ? parsed : parsed.faults);
    res.status(201).json({ faults: added });
  });
  router.delete('/sim/faults', (_req, res) => {
    deps.faults.clear();
    res.status(204).end();
  });

  router.get('/sim/effects', (req, res) => {
    const effects = deps.effects.query(req.query);
    res.json({ count: effects.length, effects });
  });

  router.post('/sim/reset', (req, res) => {
    const empty = req.query.empty === 'true' || (req.body as { empty?: unknown } | undefined)?.empty === true;
    deps.reset(empty);
    res.status(204).end();
  });

  router.get('/sim/subscriptions', (_req, res) => {
    res.json({ subscriptions: deps.webhooks.listed() });
  });
  router.post('/sim/subscriptions', (req, res) => {
    const { url, channel, token } = parse(subscriptionSchema, req.body);
    if (deps.channels && !deps.channels.includes(channel ?? '')) {
      throw new SimHttpError(400, { error: `unknown channel "${channel}"`, channels: deps.channels });
    }
    const subscriber = deps.webhooks.subscribe(url, channel, token);
    deps.markDirty();
    res.status(201).json(listedSubscriber(subscriber));
  });
  router.delete('/sim/subscriptions/:id', (req, res) => {
    if (!deps.webhooks.unsubscribe(req.params.id))
      throw new SimHttpError(404, { error: 'no such subscription' });
    deps.markDirty();
    res.status(204).end();
  });

  router.get('/sim/deliveries', async (req, res) => {
    // `?wait=true` first lets queued deliveries finish (or give up), so a test reads a settled log.
    if (req.query.wait === 'true') await deps.webhooks.idle();
    const deliveries = deps.webhooks.deliveries();
    res.json({ count: deliveries.length, deliveries });
  });
  return router;
}
