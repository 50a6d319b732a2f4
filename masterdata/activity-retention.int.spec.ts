/**
 * The customer 360 read model's retention on a real PostgreSQL: closed orders, the shipments of no open order and
 * closed cases past the policy's age are deleted in rounds, by one instance at a time; open orders (and their
 * shipments) stay whatever their age. Before, `customer_order` kept a row per order seen on the bus for ever. The
 * record of each write-back (`sync_writeback`, the golden record's history) is pruned by the same age.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseEvent, SalesOrderEvent, ShipmentEvent } from '../schemas/types.generated.ts';
import { testStack } from '../tests/stack.ts';
import { CustomerActivity } from './activity.ts';
import { parseMdmConfig } from './config.ts';
import type { MasterDataStore } from './store.ts';
import { recordWriteBacks, writeBackHistory } from './sync/writeback.ts';
import { dropStore, scratchStore } from './test-support.ts';

const DAY = 86_400_000;
const now = new Date('2026-12-05T12:00:00.000Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);
const origin = { system: 'sap', documentId: null, changeOrigin: null, changedBy: null };
const customer = '0000100001';

const order = (orderId: string, status: string, days: number): SalesOrderEvent =>
  ({
    changeType: 'STATUS_CHANGED',
    changedFields: [],
    occurredAt: daysAgo(days),
    origin,
    salesOrder: {
      orderId,
      sourceIds: [],
      customer: { customerId: null, sourceIds: [{ system: 'sap', id: customer }] },
      lines: [],
      status,
    },
  }) as unknown as SalesOrderEvent;

const shipment = (shipmentId: string, orderId: string, days: number): ShipmentEvent =>
  ({
    changeType: 'STATUS_CHANGED',
    changedFields: [],
    occurredAt: daysAgo(days),
    origin: { ...origin, system: 'logistics' },
    shipment: { shipmentId, orderReferences: [{ orderId }], status: 'DELIVERED', trackingNumbers: [] },
  }) as unknown as ShipmentEvent;

const supportCase = (caseId: string, status: string, days: number): CaseEvent =>
  ({
    changeType: 'STATUS_CHANGED',
    changedFields: [],
    clearedFields: [],
    occurredAt: daysAgo(days),
    origin,
    case: { caseId, sourceIds: [], subject: 'Late delivery', status, customerId: `sap:${customer}` },
  }) as unknown as CaseEvent;

let store: MasterDataStore;
let activity: CustomerActivity;

beforeAll(async () => {
  store = await scratchStore(
    testStack().databaseUrl,
    parseMdmConfig({ activityRetention: { closedOlderThanDays: 400 } }),
    'activity_retention',
  );
  activity = new CustomerActivity(store);
});
afterAll(async () => {
  if (store) await dropStore(store);
});

const ids = async (table: string, key: string) =>
  (
    await store.pool.query<{ id: string }>(`select ${key} as id from "${store.schema}".${table} order by 1`)
  ).rows.map((r) => r.id);

describe('customer 360 retention', () => {
  it('deletes closed orders, their shipments and closed cases past the age; keeps open ones and recent ones', async () => {
    for (const [n, status] of ['DELIVERED', 'INVOICED', 'CANCELLED', 'REJECTED'].entries())
      await activity.recordOrder(order(`sap:old-closed-${n}`, status, 500));
    await activity.recordOrder(order('sap:old-open', 'CONFIRMED', 800));
    await activity.recordOrder(order('sap:old-on-hold', 'CREDIT_HOLD', 401));
    await activity.recordOrder(order('sap:recent-delivered', 'DELIVERED', 399));
    await activity.recordShipment(shipment('sh-old-closed', 'sap:old-closed-0', 500));
    await activity.recordShipment(shipment('sh-old-open', 'sap:old-open', 790));
    await activity.recordShipment(shipment('sh-recent', 'sap:recent-delivered', 10));
    await activity.recordCase(supportCase('case-old-closed', 'CLOSED', 450));
    await activity.recordCase(supportCase('case-old-open', 'ESCALATED', 900));
    await activity.recordCase(supportCase('case-recent-closed', 'CLOSED', 30));

    expect(await activity.pruneByPolicy(now)).toEqual({ orders: 4, shipments: 1, cases: 1, writeBacks: 0 });
    expect(await ids('customer_order', 'order_id')).toEqual([
      'sap:old-on-hold',
      'sap:old-open',
      'sap:recent-delivered',
    ]);
    expect(await ids('customer_shipment', 'shipment_id')).toEqual(['sh-old-open', 'sh-recent']);
    expect(await ids('customer_case', 'case_id')).toEqual(['case-old-open', 'case-recent-closed']);
    // The 360 still shows the open orders, the old one with its shipment.
    const view = await activity.of([{ system: 'sap', sourceId: customer }]);
    expect(view.openOrders.map((o) => [o.orderId, o.shipments.map((s) => s.shipmentId)])).toEqual([
      ['sap:old-on-hold', []],
      ['sap:old-open', ['sh-old-open']],
    ]);
    expect(view.openCases).toBe(1);
    // Nothing left to prune: a second run deletes nothing.
    expect(await activity.pruneByPolicy(now)).toEqual({ orders: 0, shipments: 0, cases: 0, writeBacks: 0 });
  });

  it('deletes in rounds until none is left', async () => {
    for (let n = 0; n < 7; n++) await activity.recordOrder(order(`sap:round-${n}`, 'DELIVERED', 1000 + n));
    expect((await activity.prune(daysAgo(400), 3)).orders).toBe(7);
    expect((await ids('customer_order', 'order_id')).filter((id) => id.startsWith('sap:round-'))).toEqual([]);
  });

  it('runs on one instance at a time: another that holds the lock makes this run skip', async () => {
    await activity.recordOrder(order('sap:locked-out', 'CANCELLED', 600));
    const other = new pg.Client({
      connectionString: (store.pool.options as { connectionString?: string }).connectionString,
    });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock(hashtext($1))', [`mdm-activity-retention:${store.schema}`]);
      expect(await activity.pruneByPolicy(now)).toBeNull();
      expect(await ids('customer_order', 'order_id')).toContain('sap:locked-out');
    } finally {
      await other.end();
    }
    expect(await activity.pruneByPolicy(now)).toEqual({ orders: 1, shipments: 0, cases: 0, writeBacks: 0 });
  });

  it('deletes the records of write-backs past the age with the 360, in rounds; keeps recent ones', async () => {
    const entry = (goldenId: string) => ({
      goldenId,
      system: 'hubspot',
      sourceId: '101',
      fields: ['phones'],
    });
    await recordWriteBacks(store.pool, store.schema, [entry('gc-old'), entry('gc-old'), entry('gc-old')]);
    await recordWriteBacks(store.pool, store.schema, [entry('gc-recent')]);
    const q = `"${store.schema}".sync_writeback`;
    await store.pool.query(`update ${q} set at = $1 where golden_id = 'gc-old'`, [daysAgo(401)]);
    await store.pool.query(`update ${q} set at = $1 where golden_id = 'gc-recent'`, [daysAgo(399)]);

    expect((await activity.prune(daysAgo(400), 2)).writeBacks).toBe(3);
    expect(await writeBackHistory(store.pool, store.schema, 'gc-old')).toEqual([]);
    expect(await writeBackHistory(store.pool, store.schema, 'gc-recent')).toHaveLength(1);
    expect((await activity.pruneByPolicy(now))?.writeBacks).toBe(0);
  });
});
