import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

interface CaseEvent {
  changeType: string;
  changedFields: string[];
  origin: { system: string; changeOrigin: string | null };
  case: {
    caseId: string;
    caseNumber: string | null;
    status: string | null;
    statusCode: string | null;
    orderNumber: string | null;
    customerId: string | null;
    resolution: string | null;
    closedAt: string | null;
  };
}

function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

describe('Salesforce cases: CaseChangeEvents → canonical.case, and CaseEvents back to the Case, on the real broker', () => {
  const bus = testBus('/eai/tests/salesforce-cases');
  const source = unique('salesforce-cases');
  const customers = unique('salesforce-customers');
  const connectors = [source, customers];
  const started = Date.now();
  let sf: SalesforceHarness;
  let runtime: ConnectorRuntime;
  let servers: LoopbackWebhookServer[] = [];

  const caseEvents = (caseId: string, count: number) =>
    readDecoded<CaseEvent>('canonical.case', count, {
      // What the CDC source published (the hub's own commands share the topic and the key).
      wanted: (m) =>
        m.key === `salesforce:${caseId}` &&
        Date.parse(m.headers.ce_time!) >= started &&
        m.headers.ce_type === 'salesforce-cdc.eai.canonical.CaseEvent',
    });
  const post = async (path: string, body: unknown) => {
    const answer = await sf.json<Record<string, unknown>>('POST', path, body);
    expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    return answer.body;
  };
  const cdcSource = (name: string, mapping: string) => ({
    name,
    type: 'salesforce-cdc-source',
    mapping,
    config: {
      signature: { scheme: 'none' },
      instanceUrl: sf.sim.url,
      clientId: 'eai-cdc-reader',
      clientSecret: envSecret('reader-secret'),
      rereadRetries: 1,
    },
  });

  beforeAll(async () => {
    await bus.provisionTopics();
    sf = await startSalesforce();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger,
      group: unique('connect-salesforce-cases'),
      sinkRetry: { retries: 2, initialDelayMs: 50, maxDelayMs: 200 },
    });
    await runtime.start();
    // Two connectors of one type, each subscribed to every change event: the case mapping publishes the cases, the
    // customer mapping the accounts and contacts, and each yields nothing for the other's entities.
    await runtime.put(cdcSource(source, 'salesforce/case-cdc.to-canonical.yaml'), 'test');
    await runtime.put(cdcSource(customers, 'salesforce/cdc.to-canonical.yaml'), 'test');
    for (const name of [source, customers]) {
      const server = await serveOnLoopback((request) => runtime.webhook(name, request), `/webhooks/${name}`);
      servers.push(server);
      await post('/sim/subscriptions', { url: server.url, channel: '/data/ChangeEvents' });
    }
  });
  afterAll(async () => {
    for (const name of connectors) await runtime?.remove(name);
    for (const server of servers) await server.close();
    servers = [];
    await runtime?.stop();
    await sf?.sim.close();
  });

  it('publishes a case opened in Salesforce, and its closing, as CaseEvents keyed salesforce:<Id>', async () => {
    const account = String(
      (await post('/sim/edit', { type: 'Account', fields: { Name: unique('Acme') } })).id,
    );
    const opened = await post('/sim/edit', {
      type: 'Case',
      fields: {
        Subject: 'Two pumps arrived damaged',
        Origin: 'Phone',
        Priority: 'High',
        AccountId: account,
        Order_Number__c: '0000004711',
      },
    });
    const id = String(opened.id);
    await post('/sim/edit', { type: 'Case', id, fields: { Status: 'Closed' } });

    const [created, closed] = (await caseEvents(id, 2)).map((e) => e.decoded);
    expect(created).toMatchObject({
      changeType: 'CREATED',
      origin: { system: 'salesforce', changeOrigin: null },
      case: {
        caseId: `salesforce:${id}`,
        caseNumber: expect.stringMatching(/^\d{8}$/),
        status: 'NEW',
        statusCode: 'New',
        orderNumber: '0000004711',
        customerId: `salesforce:${account}`,
      },
    });
    expect(closed).toMatchObject({ changeType: 'STATUS_CHANGED', case: { status: 'CLOSED' } });
    expect(closed!.changedFields).toEqual(expect.arrayContaining(['status', 'statusCode', 'closedAt']));
    expect(closed!.case.closedAt).not.toBeNull();
    // The account went to canonical.customer through the other connector, and no case did.
    const [customer] = await readDecoded<{ customer: { customerId: string } }>('canonical.customer', 1, {
      wanted: (m) => m.key === `salesforce:${account}` && Date.parse(m.headers.ce_time!) >= started,
    });
    expect(customer!.decoded.customer.customerId).toBe(`salesforce:${account}`);
  });

  it("closes the case from the hub's CaseEvent once, though the event is delivered twice; its echo names the client", async () => {
    const opened = await post('/sim/edit', {
      type: 'Case',
      fields: { Subject: 'Wrong colour', Order_Number__c: '0000004712' },
    });
    const id = String(opened.id);
    const base = exampleJson('CaseEvent') as { case: Record<string, unknown> };
    // A topic of this run's own (canonical.case holds earlier runs' commands for cases of other simulators); the
    // orchestrator publishes to canonical.case, where the echo below also lands.
    const topic = unique('salesforce-sink-cases');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const command = {
      schema: 'CaseEvent',
      topic,
      value: {
        changeType: 'STATUS_CHANGED',
        changedFields: ['status', 'resolution'],
        clearedFields: [],
        occurredAt: new Date().toISOString(),
        origin: {
          system: 'eai',
          documentId: `complaint-return:${id}:close`,
          changeOrigin: null,
          changedBy: null,
        },
        case: {
          ...base.case,
          caseId: `salesforce:${id}`,
          sourceIds: [{ system: 'salesforce', id, idType: 'CaseId' }],
          status: 'CLOSED',
          statusCode: null,
          resolution: 'Return RMA-1 received; credit memo request raised',
        },
      },
    };
    const sink = unique('salesforce-case-sink');
    connectors.push(sink);
    const clientName = `eai-hub-${randomBytes(3).toString('hex')}`;
    await runtime.put(
      {
        name: sink,
        type: 'salesforce-upsert-sink',
        topics: [topic],
        mapping: 'salesforce/case.from-canonical.yaml',
        config: {
          instanceUrl: sf.sim.url,
          clientId: 'eai-hub-writer',
          clientSecret: envSecret('writer-secret'),
          clientName,
          retry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
        },
      },
      'test',
    );
    const publisher = await bus.publisher();
    // The same command twice with one ce_id (a redelivery after a crash): applied once.
    const ceId = `complaint-return:${id}:close-case`;
    await publisher.publish([{ ...command, attributes: { id: ceId } }]);
    await publisher.publish([{ ...command, attributes: { id: ceId } }]);
    await publisher.close();

    type Effect = { entityId: string; operation: string; idempotencyKey?: string };
    const ours = async () => {
      const { body } = await sf.json<{ effects: Effect[] }>(
        'GET',
        `/sim/effects?entityType=Case&entityId=${id}`,
      );
      return body.effects.filter((e) =>
        e.idempotencyKey?.startsWith(`${connectorKey(sink, runtime.group)}:`),
      );
    };
    await waitFor('the case closed', async () => (await ours()).length >= 1);
    // The echo: the CDC event of the hub's write names its client (and, origin salesforce, the mapping writes nothing
    // for it: fixtures/case-canonical/echo-from-salesforce.json).
    const events = await caseEvents(id, 2);
    const echo = events[1]!.decoded;
    expect(echo).toMatchObject({ changeType: 'STATUS_CHANGED', case: { status: 'CLOSED' } });
    expect(echo.origin.changeOrigin).toBe(`com/salesforce/api/rest/62.0;client=${clientName}`);
    await waitFor('sink lag zero', async () => (await runtime.status(sink))!.metrics.lagRecords === 0);
    const effects = await ours();
    expect(effects.map((e) => e.operation)).toEqual(['update']);
    const record = await sf.json<Record<string, unknown>>(
      'GET',
      `/services/data/v62.0/sobjects/Case/${id}?fields=Status,IsClosed,Resolution__c`,
    );
    expect(record.body).toMatchObject({
      Status: 'Closed',
      IsClosed: true,
      Resolution__c: 'Return RMA-1 received; credit memo request raised',
    });
  });
});
