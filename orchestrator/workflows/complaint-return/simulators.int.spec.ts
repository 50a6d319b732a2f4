import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Publisher, RECEIPT_TOPIC } from '../../../bus/index.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../../../connectors/index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../../../connectors/transports/test-support.ts';
import { type LogisticsHarness, startLogistics } from '../../../simulators/logistics/test-support.ts';
import { type SalesforceHarness, startSalesforce } from '../../../simulators/salesforce/test-support.ts';
import type { SapOrder } from '../../../simulators/sap/state.ts';
import { type SapHarness, startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { orderToDeliveryV1 } from '../order-to-delivery/index.ts';
import {
  type ComplaintOutcome,
  complaintReturnV3,
  complaintWorkflowIdOf,
  creditMemoNumber,
  rmaOf,
} from './index.ts';
import { deliverOrder, orderCreatedEvent, seedSapCustomer } from './test-support.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const TOKEN = 'capture-token-for-complaints';

function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

type Effect = { entityId: string; operation: string; idempotencyKey?: string };

/**
 * complaint-return against the real connectors and simulators: a Case opened in the Salesforce simulator →
 * salesforce-cdc-source (case-cdc mapping) → canonical.case → the workflow → logistics-return-sink → the logistics
 * simulator, whose receipt (EPCIS receiving / returned) → epcis-capture-source → canonical.shipment → the workflow →
 * sap-credit-memo-file-sink → the SAP simulator creates the credit memo request once → salesforce-upsert-sink closes
 * the Case. The sources publish to the shared canonical topics; the commands go to topics of this run, which the
 * sinks read. The order the case is about is the SAP simulator's own, known to the orchestrator as the input of its
 * order-to-delivery instance (published here on this run's sales-order topic, credit-checked by the SAP simulator,
 * its delivery published here: a complaint is about an order that shipped).
 */
describe('complaint / return against the connectors and simulators, on the real broker', () => {
  const stack = testStack();
  const bus = testBus('/eai/tests/complaint-return');
  const database = unique('eai_orch_crsim').replaceAll('-', '_');
  const commands = { salesOrder: unique('cr-sim-sales-order'), caseUpdates: unique('cr-sim-case') };
  const orderShipments = unique('cr-sim-shipment');
  let sf: SalesforceHarness;
  let logistics: LogisticsHarness;
  let sap: SapHarness;
  let runtime: ConnectorRuntime;
  let orchestrator: Orchestrator;
  let publisher: Publisher & { close(): Promise<void> };
  const servers: LoopbackWebhookServer[] = [];
  const names = {
    cases: unique('cr-cases'),
    epcis: unique('cr-epcis'),
    returns: unique('cr-returns'),
    credit: unique('cr-credit'),
    caseUpdates: unique('cr-case-updates'),
  };

  beforeAll(async () => {
    await bus.provisionTopics();
    await bus.provisionTopics([
      { topic: commands.salesOrder, partitions: 3 },
      { topic: commands.caseUpdates, partitions: 3 },
      { topic: orderShipments, partitions: 1 },
    ]);
    [sf, logistics, sap] = await Promise.all([
      startSalesforce(),
      startLogistics({ returnDelayMs: 300 }),
      startSap({ pollMs: 100 }),
    ]);
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger,
      group: unique('connect-complaint'),
      sinkRetry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
    });
    await runtime.start();
    await runtime.put(
      {
        name: names.cases,
        type: 'salesforce-cdc-source',
        mapping: 'salesforce/case-cdc.to-canonical.yaml',
        config: {
          signature: { scheme: 'none' },
          instanceUrl: sf.sim.url,
          clientId: 'eai-cdc-reader',
          clientSecret: envSecret('reader-secret'),
          rereadRetries: 1,
        },
      },
      'test',
    );
    await runtime.put(
      {
        name: names.epcis,
        type: 'epcis-capture-source',
        config: { signature: { scheme: 'bearer', token: TOKEN } },
      },
      'test',
    );
    await runtime.put(
      {
        name: names.returns,
        type: 'logistics-return-sink',
        topics: [commands.salesOrder],
        config: { baseUrl: logistics.sim.url, retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 } },
      },
      'test',
    );
    await runtime.put(
      {
        name: names.credit,
        type: 'sap-credit-memo-file-sink',
        topics: [commands.salesOrder],
        // SAP's answer awaited: a credit memo request SAP refuses is dead-lettered, not counted as sent.
        config: { dir: sap.inboundDir, awaitStatusMs: 10_000 },
      },
      'test',
    );
    await runtime.put(
      {
        name: names.caseUpdates,
        type: 'salesforce-upsert-sink',
        topics: [commands.caseUpdates],
        mapping: 'salesforce/case.from-canonical.yaml',
        config: {
          instanceUrl: sf.sim.url,
          clientId: 'eai-hub-writer',
          clientSecret: envSecret('writer-secret'),
          clientName: 'eai-complaint-spec',
          retry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
        },
      },
      'test',
    );
    const cases = await serveOnLoopback((r) => runtime.webhook(names.cases, r), `/webhooks/${names.cases}`);
    const epcis = await serveOnLoopback((r) => runtime.webhook(names.epcis, r), `/webhooks/${names.epcis}`);
    servers.push(cases, epcis);
    await sf.json('POST', '/sim/subscriptions', { url: cases.url, channel: '/data/ChangeEvents' });
    await logistics.call('POST', '/sim/capture-subscriptions', { url: `${epcis.url}/capture`, token: TOKEN });

    orchestrator = await startOrchestrator(
      {
        databaseUrl: stack.databaseUrl,
        database,
        executorId: 'cr-sim-spec',
        brokers: stack.brokers,
        registryUrl: stack.registryUrl,
        routerGroup: unique('cr-sim-router'),
        sapUrl: sap.sim.url,
        timers: { returnReceiptTimeoutMs: 60_000 },
      },
      {
        definitions: [
          orderToDeliveryV1({ salesOrder: commands.salesOrder, shipment: orderShipments }),
          complaintReturnV3({
            case: 'canonical.case',
            shipment: 'canonical.shipment',
            salesOrder: commands.salesOrder,
            caseUpdates: commands.caseUpdates,
            receipts: RECEIPT_TOPIC,
          }),
        ],
        stepRetry: { maxAttempts: 3, intervalSeconds: 0.05, backoffRate: 1 },
        logger,
      },
    );
    publisher = await bus.publisher();
  }, 120_000);

  afterAll(async () => {
    await publisher?.close();
    await orchestrator?.stop();
    for (const name of Object.values(names)) await runtime?.remove(name).catch(() => undefined);
    for (const server of servers) await server.close();
    await runtime?.stop();
    await Promise.all([sf?.sim.close(), logistics?.close(), sap?.close()]);
    await dropDatabase(stack.databaseUrl, database);
  });

  /**
   * A complaint about an order of the SAP simulator's (or, `sapKnows` false, one SAP never had): the order as the
   * orchestrator knows it, delivered; then a Case naming it opened in the CRM. Returns the workflow's id and more.
   */
  async function complain(sapKnows: boolean) {
    // The SAP order, as the orchestrator knows it (its order-to-delivery instance's input).
    await fetch(`${sap.sim.url}/sim/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, variant: 'plain' }),
    });
    const { orders } = (await (await fetch(`${sap.sim.url}/sim/orders`)).json()) as { orders: SapOrder[] };
    const original = { ...orders.at(-1)! };
    if (!sapKnows) original.orderNumber = `00${String(Date.now()).slice(-8)}`;
    // As the hub reads SAP's IDoc: the order number without SAP's leading zeros (0012000001 → 12000001), the VBELN as
    // SAP holds it among its ids. The case names the number as people read it; SAP must get it back in its own form.
    const orderNumber = original.orderNumber.replace(/^0+/, '');
    const orderEvent = orderCreatedEvent(commands.salesOrder, orderNumber);
    const order = (orderEvent.value as { salesOrder: Record<string, unknown> }).salesOrder;
    order.sourceIds = [{ system: 'sap', id: original.orderNumber, idType: 'VBELN' }];
    order.purchaseOrderNumber = original.purchaseOrderNumber;
    order.customer = {
      customerId: `sap:${original.kunnr}`,
      sourceIds: [{ system: 'sap', id: original.kunnr, idType: 'KUNNR' }],
      name: null,
    };
    await seedSapCustomer(sap.sim.url, original.kunnr);
    await deliverOrder(orchestrator, publisher, orderShipments, orderEvent);

    // The complaint, in the CRM.
    const account = await sf.json<{ id: string }>('POST', '/sim/edit', {
      type: 'Account',
      fields: { Name: unique('Acme') },
    });
    const opened = await sf.json<{ id: string }>('POST', '/sim/edit', {
      type: 'Case',
      fields: {
        Subject: 'Two pumps arrived damaged',
        Origin: 'Phone',
        Priority: 'High',
        Reason: 'Breakdown',
        AccountId: account.body.id,
        Order_Number__c: orderNumber,
      },
    });
    expect(opened.status).toBeLessThan(300);
    const caseId = String(opened.body.id);
    const rma = rmaOf({ caseId: `salesforce:${caseId}` });
    return { original, caseId, rma, id: complaintWorkflowIdOf(rma) };
  }

  const caseFields = async (caseId: string) =>
    (
      await sf.json<Record<string, unknown>>(
        'GET',
        `/services/data/v62.0/sobjects/Case/${caseId}?fields=Status,IsClosed,Resolution__c`,
      )
    ).body;

  it('a case about a SAP order ends with the return received, one credit memo request in SAP accepted, and the Case closed', async () => {
    const { original, caseId, rma, id } = await complain(true);

    const outcome = await resultWhenEnded<ComplaintOutcome>(orchestrator, id, 60_000);
    // Version 3 waited for the sink's receipt: SAP took the request (IDoc status 53).
    expect(outcome).toMatchObject({
      outcome: 'COMPLETED',
      version: 3,
      rma,
      creditMemoNumber: creditMemoNumber(rma),
      // The receipt names the connect group's connector.
      creditMemoAppliedBy: connectorKey(names.credit, runtime.group),
    });

    // Logistics authorised the return once, under the RMA number.
    const returns = (
      await logistics.call<{ effects: Effect[] }>('GET', '/sim/effects?entityType=ReturnAuthorization')
    ).body.effects.filter((e) => e.entityId === rma);
    expect(returns.map((e) => e.idempotencyKey)).toEqual([
      `${connectorKey(names.returns, runtime.group)}:${id}:return-authorisation`,
    ]);

    // SAP created the credit memo request once, crediting the original order.
    await waitFor(
      'the credit memo file',
      async () => (await runtime.status(names.credit))!.metrics.recordsOut >= 1,
    );
    const credit = async () => {
      await fetch(`${sap.sim.url}/sim/inbound/poll`, { method: 'POST' });
      const { effects } = (await (
        await fetch(`${sap.sim.url}/sim/effects?entityType=CreditMemoRequest`)
      ).json()) as { effects: Effect[] };
      return effects.filter((e) => e.entityId === creditMemoNumber(rma));
    };
    await waitFor('the credit memo request in SAP', async () => (await credit()).length >= 1, 20_000);
    expect((await credit()).map((e) => e.operation)).toEqual(['create']);
    expect((await runtime.status(names.credit))!.metrics.recordsFailed).toBe(0);
    const { creditMemoRequests } = (await (
      await fetch(`${sap.sim.url}/sim/credit-memo-requests?referenceOrder=${original.orderNumber}`)
    ).json()) as { creditMemoRequests: Array<Record<string, unknown>> };
    // Only this case's: earlier runs' cases on canonical.case name the same simulator order number (12000001) and
    // start instances too, since the router of a fresh group reads the shared topic from the beginning.
    expect(creditMemoRequests.filter((r) => r.senderDocument === creditMemoNumber(rma))).toEqual([
      expect.objectContaining({
        senderDocument: creditMemoNumber(rma),
        documentType: 'CR',
        reason: '101',
        referenceOrder: original.orderNumber,
        soldTo: original.kunnr,
      }),
    ]);

    // The Case is closed in the CRM with its resolution.
    await waitFor('the case closed', async () => {
      const record = await sf.json<{ Status: string }>(
        'GET',
        `/services/data/v62.0/sobjects/Case/${caseId}?fields=Status`,
      );
      return record.body.Status === 'Closed';
    });
    const record = await caseFields(caseId);
    expect(record).toMatchObject({ Status: 'Closed', IsClosed: true });
    expect(String(record.Resolution__c)).toContain(rma);
    expect(String(record.Resolution__c)).toContain(
      `credit memo request ${creditMemoNumber(rma)} accepted by the ERP`,
    );
  }, 120_000);

  it('a credit memo request SAP refuses (an order it never had) is not called done: the return is compensated and the case says why', async () => {
    const { original, caseId, rma, id } = await complain(false);
    const outcome = await resultWhenEnded<ComplaintOutcome>(orchestrator, id, 60_000);
    expect(outcome).toMatchObject({
      outcome: 'COMPENSATED',
      version: 3,
      failedStep: 'credit-memo',
      compensated: ['credit-memo', 'return-authorisation'],
    });
    expect(outcome.reason).toContain(
      `the ERP refused credit memo request ${creditMemoNumber(rma)} (${connectorKey(names.credit, runtime.group)})`,
    );
    expect(outcome.reason).toContain(`reference order ${original.orderNumber} does not exist`);
    // SAP created nothing; the case is open again, saying what happened and what to do.
    const { creditMemoRequests } = (await (
      await fetch(`${sap.sim.url}/sim/credit-memo-requests?referenceOrder=${original.orderNumber}`)
    ).json()) as { creditMemoRequests: unknown[] };
    expect(creditMemoRequests).toEqual([]);
    await waitFor('the case told', async () =>
      String((await caseFields(caseId)).Resolution__c).includes('refused'),
    );
    const record = await caseFields(caseId);
    expect(record).toMatchObject({ Status: 'Working', IsClosed: false });
    expect(String(record.Resolution__c)).toMatch(
      new RegExp(
        `^Return ${rma} stopped at credit-memo: the ERP refused credit memo request .*Please handle the return by hand\\.$`,
      ),
    );
  }, 120_000);
});
