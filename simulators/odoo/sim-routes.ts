import type { Router } from 'express';
import { z } from 'zod';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import { OdooFault, valueError } from './errors.ts';
import { createRecord, findRecord, type WriteContext, writeRecord } from './records.ts';
import { versionInfo } from './rpc-routes.ts';
import type { OdooState } from './state.ts';
import { modelDef } from './values.ts';

const editSchema = z.object({
  model: z.string(),
  /** Absent: the person creates a record. */
  id: z.number().int().optional(),
  values: z.record(z.string(), z.unknown()),
  /** The acting user; the admin (uid 2), a person at the screen, by default. */
  uid: z.number().int().default(2),
});
const versionSchema = z.object({
  /** As Odoo names its versions: `17.0`, `18.0`, `saas~18.2`, `19.0`. */
  version: z.string().regex(/^(saas~)?\d{2}\.\d$/, 'a server version such as 17.0, saas~18.2 or 19.0'),
});
const lockSchema = z.object({
  model: z.string().min(1),
  id: z.number().int(),
  /** Writes refused before the record is free again. */
  times: z.number().int().positive().default(1),
});
const userSchema = z.object({
  login: z.string().min(1),
  password: z.string().min(1),
  name: z.string().min(1),
  /** The user's API key (JSON-2's bearer token); none by default. */
  apiKey: z.string().min(1).optional(),
});

/**
 * A line edited in the web client: on the order's form, whose save writes the order with the line as a command
 * (`order_line: [[1, id, values]]`, or `[[0, 0, values]]` for a new line), so the order is stamped too, unlike a
 * sale.order.line written alone through the API. Answers the line's id.
 */
function editLine(ctx: WriteContext, id: number | undefined, values: Record<string, unknown>): number {
  const lines = modelDef('sale.order.line', ctx.state.serverVersion);
  const orderId = id === undefined ? values.order_id : findRecord(ctx, lines, id).order_id;
  if (typeof orderId !== 'number') throw valueError('a line is edited on its order: order_id is required');
  const { order_id: _order, ...rest } = values;
  const command = id === undefined ? [0, 0, rest] : [1, id, rest];
  writeRecord(ctx, modelDef('sale.order', ctx.state.serverVersion), orderId, { order_line: [command] });
  return id ?? ctx.changes.find((c) => c.model === 'sale.order.line' && c.operation === 'create')!.id;
}

/** Odoo-only control routes: edits as a person in the web client would make them, users for the API. */
export function odooSimRoutes(router: Router, sim: SimContext<OdooState>): void {
  router.post('/sim/edit', (req, res) => {
    const parsed = editSchema.safeParse(req.body);
    if (!parsed.success) throw new SimHttpError(400, { error: z.prettifyError(parsed.error) });
    const { model, id, values, uid } = parsed.data;
    const ctx: WriteContext = { state: sim.state, uid, changes: [] };
    let recordId: number;
    try {
      const def = modelDef(model, sim.state.serverVersion);
      if (model === 'sale.order.line') recordId = editLine(ctx, id, values);
      else if (id === undefined) recordId = createRecord(ctx, def, values);
      else {
        writeRecord(ctx, def, id, values);
        recordId = id;
      }
    } catch (error) {
      if (error instanceof OdooFault)
        throw new SimHttpError(400, { error: error.message, exception: error.exception });
      throw error;
    }
    for (const change of ctx.changes) {
      sim.recordEffect(req, {
        entityType: change.model,
        entityId: String(change.id),
        operation: change.operation,
        detail: { via: 'ui', uid },
      });
    }
    res.json({ id: recordId });
  });

  // Another transaction holding a record (a long cron job, a user's save): the next `times` writes to it fail with
  // psycopg2.errors.SerializationFailure, as Odoo answers once its retries are spent (JSON-RPC: a fault; JSON-2: 500).
  router.post('/sim/locks', (req, res) => {
    const parsed = lockSchema.safeParse(req.body);
    if (!parsed.success) throw new SimHttpError(400, { error: z.prettifyError(parsed.error) });
    const { model, id, times } = parsed.data;
    sim.state.locks ??= {};
    sim.state.locks[`${model}/${id}`] = times;
    sim.markDirty();
    res.status(201).json({ model, id, times });
  });

  // The server version (kept over a reset: it is the server, not the data). A later one drops the fields Odoo removed.
  router.post('/sim/version', (req, res) => {
    const parsed = versionSchema.safeParse(req.body);
    if (!parsed.success) throw new SimHttpError(400, { error: z.prettifyError(parsed.error) });
    sim.state.serverVersion = parsed.data.version;
    sim.markDirty();
    res.json(versionInfo(parsed.data.version));
  });

  router.get('/sim/users', (_req, res) => {
    res.json({ db: sim.state.db, users: sim.state.users });
  });
  router.post('/sim/users', (req, res) => {
    const parsed = userSchema.safeParse(req.body);
    if (!parsed.success) throw new SimHttpError(400, { error: z.prettifyError(parsed.error) });
    const uid = Math.max(...sim.state.users.map((u) => u.uid)) + 1;
    sim.state.users.push({ uid, ...parsed.data });
    sim.state.records['res.users'] ??= {};
    sim.state.records['res.users'][String(uid)] = {
      id: uid,
      name: parsed.data.name,
      login: parsed.data.login,
      active: true,
    };
    sim.markDirty();
    res.status(201).json({ uid });
  });
}
