import type { Router } from 'express';
import { z } from 'zod';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import { publishChanges } from './cdc.ts';
import { isValidId, KEY_PREFIX, to18 } from './ids.ts';
import { createRecord, deleteRecord, undeleteRecord, updateRecord } from './records.ts';
import { isSObjectType } from './schema.ts';
import type { SalesforceState } from './state.ts';
import { validateFields } from './validate.ts';

const editSchema = z.object({
  type: z.string().refine(isSObjectType, 'type must be Account, Contact, Case or Order'),
  /** Absent: the person creates a new record. */
  id: z.string().optional(),
  fields: z.record(z.string(), z.unknown()),
  /** The editing user's id (005...); the simulator's UI user by default. */
  user: z
    .string()
    .refine((id) => isValidId(id) && id.startsWith(KEY_PREFIX.User), 'user must be a User id (005...)')
    .optional(),
});

/** Many records changed alike in one transaction (a data load, an Apex batch, a mass update in the UI). */
const bulkEditSchema = z.object({
  type: z.string().refine(isSObjectType, 'type must be Account, Contact, Case or Order'),
  ids: z.array(z.string()).max(200_000),
  fields: z.record(z.string(), z.unknown()),
  /** Records the same transaction deletes (to the Recycle Bin). */
  deleteIds: z.array(z.string()).max(200_000).default([]),
  user: editSchema.shape.user,
});

/** A person restoring records from the Recycle Bin in the UI. */
const undeleteSchema = z.object({
  type: editSchema.shape.type,
  ids: z.array(z.string()).min(1).max(200),
  user: editSchema.shape.user,
});

const modeSchema = z.object({ mode: z.enum(['normal', 'gap', 'overflow']) });

function controlError(message: string): SimHttpError {
  return new SimHttpError(400, { error: message });
}

/** Salesforce-only control routes: UI-style edits, CDC mode, the stored change events. */
export function salesforceSimRoutes(router: Router, sim: SimContext<SalesforceState>): void {
  router.post('/sim/edit', (req, res) => {
    const parsed = editSchema.safeParse(req.body);
    if (!parsed.success) throw controlError(z.prettifyError(parsed.error));
    const { type, id, fields, user } = parsed.data;
    if (!isSObjectType(type)) throw controlError('type must be Account, Contact, Case or Order');
    const userId = user ? to18(user) : sim.state.uiUserId;
    let change: ReturnType<typeof createRecord>;
    if (id === undefined) {
      change = createRecord(sim.state, type, validateFields(sim.state, type, fields, 'create'), userId);
    } else {
      const record = isValidId(id) ? sim.state.records[type][to18(id)] : undefined;
      if (!record || record.IsDeleted) throw new SimHttpError(404, { error: `no live ${type} ${id}` });
      change = updateRecord(
        type,
        record,
        validateFields(sim.state, type, fields, 'update', [], record),
        userId,
      );
    }
    sim.recordEffect(req, {
      entityType: type,
      entityId: change.record.Id,
      operation: change.changeType.toLowerCase(),
      detail: { via: 'ui' },
    });
    // A person saving in the UI: no API client, so changeOrigin is empty.
    publishChanges(sim, [change], { userId, changeOrigin: '' });
    res.status(200).json({ id: change.record.Id, changeType: change.changeType });
  });

  // The Recycle Bin's Undelete: one transaction, an UNDELETE event per record (every field that has a value).
  router.post('/sim/undelete', (req, res) => {
    const parsed = undeleteSchema.safeParse(req.body);
    if (!parsed.success) throw controlError(z.prettifyError(parsed.error));
    const { type, ids, user } = parsed.data;
    if (!isSObjectType(type)) throw controlError('type must be Account, Contact, Case or Order');
    const userId = user ? to18(user) : sim.state.uiUserId;
    const records = ids.map((id) => {
      const record = isValidId(id) ? sim.state.records[type][to18(id)] : undefined;
      if (!record?.IsDeleted) throw new SimHttpError(404, { error: `no ${type} ${id} in the Recycle Bin` });
      return record;
    });
    const changes = records.map((record) => undeleteRecord(type, record, userId));
    for (const change of changes)
      sim.recordEffect(req, {
        entityType: type,
        entityId: change.record.Id,
        operation: 'undelete',
        detail: { via: 'ui' },
      });
    publishChanges(sim, changes, { userId, changeOrigin: '' });
    res.status(200).json({ ids: changes.map((change) => change.record.Id), changeType: 'UNDELETE' });
  });

  // One transaction changing many records with the same values (and deleting `deleteIds`): its change events share a
  // transactionKey; in overflow mode it is one GAP_OVERFLOW per entity, as Salesforce sends past 100,000 changes in a
  // transaction.
  router.post('/sim/bulk-edit', (req, res) => {
    const parsed = bulkEditSchema.safeParse(req.body);
    if (!parsed.success) throw controlError(z.prettifyError(parsed.error));
    const { type, ids, fields, deleteIds, user } = parsed.data;
    if (!isSObjectType(type)) throw controlError('type must be Account, Contact, Case or Order');
    if (ids.length + deleteIds.length === 0) throw controlError('ids or deleteIds must name a record');
    const userId = user ? to18(user) : sim.state.uiUserId;
    const live = (id: string) => {
      const record = isValidId(id) ? sim.state.records[type][to18(id)] : undefined;
      if (!record || record.IsDeleted) throw new SimHttpError(404, { error: `no live ${type} ${id}` });
      return record;
    };
    const records = ids.map(live);
    const deleted = deleteIds.map(live);
    // All checked before any is written: the transaction applies whole or not at all.
    const values = records.map((record) => validateFields(sim.state, type, fields, 'update', [], record));
    const changes = [
      ...records.map((record, i) => updateRecord(type, record, values[i]!, userId)),
      ...deleted.map((record) => deleteRecord(type, record, userId)),
    ];
    for (const change of changes)
      sim.recordEffect(req, {
        entityType: type,
        entityId: change.record.Id,
        operation: change.changeType === 'DELETE' ? 'delete' : 'update',
        detail: { via: 'bulk' },
      });
    publishChanges(sim, changes, { userId, changeOrigin: '' });
    res.status(200).json({ updated: records.length, deleted: deleted.length });
  });

  router.get('/sim/cdc-mode', (_req, res) => {
    res.json({ mode: sim.state.cdc.mode });
  });
  router.post('/sim/cdc-mode', (req, res) => {
    const parsed = modeSchema.safeParse(req.body);
    if (!parsed.success) throw controlError('mode must be normal, gap or overflow');
    sim.state.cdc.mode = parsed.data.mode;
    sim.markDirty();
    res.json({ mode: parsed.data.mode });
  });

  // The last 1000 change events, after an optional replay id: what a Pub/Sub subscriber could replay.
  router.get('/sim/cdc-events', (req, res) => {
    const after = Number(req.query.replayId ?? 0);
    const events = sim.state.cdc.events.filter((event) => Number(event.replayId) > after);
    res.json({ count: events.length, events });
  });
}
