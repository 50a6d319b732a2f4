import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDeadLetter, type Publisher } from '../../bus/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { readRawMessages } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey, sinkGroupId } from '../index.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

type Json = Record<string, unknown>;

interface Effect {
  entityId: string;
  operation: string;
  idempotencyKey?: string;
}

function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

/** The orchestrator's CRM status command for one order of SAP customer `kunnr` (as steps.ts crmStatus builds it). */
function statusCommand(orderNumber: string, kunnr: string, status: string, tracking?: string): Json {
  const base = exampleJson('SalesOrderEvent') as Json & { salesOrder: Json };
  return {
    ...base,
    changeType: 'STATUS_CHANGED',
    changedFields: ['status'],
    origin: {
      system: 'eai-orchestrator',
      documentId: null,
      changeOrigin: 'order-to-delivery',
      changedBy: null,
    },
    salesOrder: {
      ...base.salesOrder,
      orderId: `sap:${orderNumber}`,
      orderNumber,
      customer: {
        customerId: `sap:${kunnr}`,
        sourceIds: [{ system: 'sap', id: kunnr, idType: 'KUNNR' }],
        name: 'Müller Maschinenbau GmbH',
      },
      status,
      extensions: tracking ? { trackingNumbers: tracking } : {},
    },
  };
}

/**
 * salesforce-order-status-sink on the real broker against the Salesforce simulator: the orchestrator's order status
 * commands become one Order per order, upserted by External_Id__c and linked to the customer's Account by its SAP
 * number; a command delivered twice (same ce_id) is applied once; an order whose customer has no Account is
 * dead-lettered, or skipped when the connector says so.
 */
describe('salesforce-order-status-sink on the real broker', () => {
  const bus = testBus('/eai/tests/salesforce-order-status');
  let sf: SalesforceHarness;
  let runtime: ConnectorRuntime;
  let publisher: Publisher & { close(): Promise<void> };
  let topic: string;
  const names: string[] = [];

  const put = async (config: Json = {}) => {
    const name = unique('sf-order-status');
    names.push(name);
    await runtime.put(
      {
        name,
        type: 'salesforce-order-status-sink',
        topics: [topic],
        config: {
          instanceUrl: sf.sim.url,
          clientId: 'eai-order-status',
          clientSecret: envSecret('order-status-secret'),
          clientName: 'eai-hub',
          retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 },
          ...config,
        },
      },
      'test',
    );
    return name;
  };
  const caughtUp = (name: string, records: number) =>
    waitFor(`${name} caught up`, async () => {
      const status = await runtime.status(name);
      return status!.metrics.recordsIn >= records && status!.metrics.lagRecords === 0;
    });
  const orderOf = async (orderNumber: string) => {
    const answer = await sf.json<Json>('GET', `${API}/sobjects/Order/External_Id__c/sap:${orderNumber}`);
    return answer.status === 200 ? answer.body : undefined;
  };
  const effectsOf = async (id: string) =>
    (await sf.control<{ effects: Effect[] }>('GET', '/sim/effects?entityType=Order')).effects.filter(
      (e) => e.entityId === id,
    );

  beforeAll(async () => {
    await bus.provisionTopics();
    sf = await startSalesforce();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger,
      group: unique('connect-sf-order-status'),
      sinkRetry: { retries: 2, initialDelayMs: 50, maxDelayMs: 200 },
    });
    await runtime.start();
    publisher = await bus.publisher();
  });
  afterAll(async () => {
    for (const name of names) await runtime?.remove(name).catch(() => undefined);
    await publisher?.close();
    await runtime?.stop();
    await sf?.sim.close();
  });

  it('upserts the Order with status and tracking, linked to the Account; a redelivered command is applied once', async () => {
    topic = unique('cmd-crm');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const kunnr = String(Date.now()).slice(-10);
    const account = await sf.control<{ id: string }>('POST', '/sim/edit', {
      type: 'Account',
      fields: { Name: 'Müller Maschinenbau GmbH', SAP_Customer_Number__c: kunnr },
    });
    const orderNumber = unique('4711').replaceAll('-', '').slice(-10);
    const shipped = statusCommand(orderNumber, kunnr, 'SHIPPED', '1Z999AA10123456784,1Z999AA10123456785');
    const id = `o2d:sap:${orderNumber}:crm-status`;
    // The same command twice (a redelivery, or a step re-run after a crash: the same ce_id), then its compensation.
    await publisher.publish(
      [
        { value: shipped, id },
        { value: shipped, id },
        { value: statusCommand(orderNumber, kunnr, 'CANCELLED'), id: `${id}:compensate` },
      ].map(({ value, id }) => ({
        schema: 'SalesOrderEvent',
        topic,
        key: `sap:${orderNumber}`,
        value,
        attributes: { id },
      })),
    );
    const name = await put();
    await caughtUp(name, 3);

    const order = await orderOf(orderNumber);
    expect(order).toMatchObject({
      AccountId: account.id,
      Status: 'Cancelled',
      StatusCode: 'Draft',
      EffectiveDate: '2026-11-21',
      PoNumber: 'PO-2026-0042',
      Order_Number__c: orderNumber,
      // Kept from the shipped command: the compensation names no tracking.
      Tracking_Number__c: '1Z999AA10123456784,1Z999AA10123456785',
    });
    expect(order!.OrderNumber).toMatch(/^\d{8}$/);
    // Created once by the shipped command (its copy answered from the first), updated once by the compensation.
    const effects = await effectsOf(String(order!.Id));
    expect(effects.map((e) => [e.operation, e.idempotencyKey])).toEqual([
      ['create', `${connectorKey(name, runtime.group)}:${id}`],
      ['update', `${connectorKey(name, runtime.group)}:${id}:compensate`],
    ]);
    expect((await runtime.status(name))!.metrics).toMatchObject({ recordsOut: 3, recordsFailed: 0 });

    // Every write was marked as the hub's: its change events carry the client in changeOrigin.
    const { events } = await sf.control<{ events: Array<{ channel: string; payload: Json }> }>(
      'GET',
      '/sim/cdc-events',
    );
    const mine = events.filter(
      (e) =>
        e.channel === '/data/OrderChangeEvent' &&
        (e.payload.ChangeEventHeader as { recordIds: string[] }).recordIds.includes(String(order!.Id)),
    );
    expect(mine.map((e) => (e.payload.ChangeEventHeader as { changeOrigin: string }).changeOrigin)).toEqual([
      'com/salesforce/api/rest/62.0;client=eai-hub',
      'com/salesforce/api/rest/62.0;client=eai-hub',
    ]);
  });

  it("dead-letters an order whose customer has no Account, with Salesforce's answer; skips it with unknownAccount: skip", async () => {
    topic = unique('cmd-crm-unknown');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const orderNumber = unique('4712').replaceAll('-', '').slice(-10);
    const kunnr = `9${String(Date.now()).slice(-9)}`;
    await publisher.publish([
      {
        schema: 'SalesOrderEvent',
        topic,
        key: `sap:${orderNumber}`,
        value: statusCommand(orderNumber, kunnr, 'SHIPPED', '1Z1'),
      },
    ]);
    const strict = await put();
    const lenient = await put({ unknownAccount: 'skip' });
    await caughtUp(strict, 1);
    await caughtUp(lenient, 1);
    expect(await orderOf(orderNumber)).toBeUndefined();
    // Skipped, not applied: nothing reached the CRM, so it is not counted as out.
    expect((await runtime.status(lenient))!.metrics).toMatchObject({
      recordsSkipped: 1,
      skippedReasons: { "the order's customer has no Account in the CRM (unknownAccount: skip)": 1 },
      recordsOut: 0,
      recordsFailed: 0,
    });
    expect((await runtime.status(strict))!.metrics).toMatchObject({ recordsFailed: 1 });
    const [dead] = await readRawMessages('dlq.sink', 1, { wanted: (m) => m.key === `sap:${orderNumber}` });
    const letter = describeDeadLetter(
      Object.fromEntries(Object.entries(dead!.headers).map(([k, v]) => [k, Buffer.from(v)])),
    );
    expect(letter).toMatchObject({ topic, stage: 'TASK_PUT', owner: sinkGroupId(strict, runtime.group) });
    expect(letter.message).toContain('refused with HTTP 400');
    expect(letter.message).toContain(
      `Foreign key external ID: ${kunnr} not found for field SAP_Customer_Number__c in entity Account`,
    );
  });
});
