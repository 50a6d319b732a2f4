import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { ConnectorRuntime } from '../index.ts';
import { startRuntime } from '../runtime/test-support.ts';

/** A company mapping that writes a local date (no shipped one does): the day of the change, in its zone. */
const DATED_COMPANY_MAPPING = `description: an organisation as a HubSpot company, its description the day of the change in the mapping's zone
input: eai.canonical.CustomerEvent
output: hubspot-batch-upsert
sendTo: /crm/v3/objects/companies
options:
  timeZone: UTC
fixtures:
  inputs: fixtures
  expected: expected
records: "customer.partyType = 'ORGANIZATION' ? $"
fields:
  inputs:
    $each: "$"
    idProperty: "'eai_golden_id'"
    id: customer.customerId
    properties:
      name: customer.organizationName
      description: "'changed on ' & $localDate(occurredAt)"
`;

/**
 * Every mapping a sink runs gets the connector's mapping context: the HubSpot sink's `companyMapping` runs in the
 * connector's `timeZone` as its `mapping:` does (connectors/sdk `sinkMapping`). It was found without it, so a company
 * mapping wrote local dates and times in its own zone (UTC), a day off for a portal in New Zealand in the evening.
 * On the real broker, with the runtime that deploys the connector and the HubSpot simulator.
 */
describe("the HubSpot sink's company mapping in the connector's time zone", () => {
  const sink = unique('hubspot-company-zone');
  const dir = mkdtempSync(join(tmpdir(), 'eai-company-zone-'));
  let hs: HubSpotHarness;
  let bus: Awaited<ReturnType<typeof startRuntime>>['bus'];
  let runtime: ConnectorRuntime;

  beforeAll(async () => {
    hs = await startHubSpot();
    ({ bus, runtime } = await startRuntime('/eai/tests/hubspot-company-zone'));
  });
  afterAll(async () => {
    await runtime?.remove(sink).catch(() => undefined);
    await runtime?.stop();
    await hs?.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes the company's local date in the connector's timeZone, not the mapping's own", async () => {
    writeFileSync(join(dir, 'dated-company.from-canonical.yaml'), DATED_COMPANY_MAPPING);
    const topic = unique('company-zone-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const name = `Kiwi Traders ${unique('ltd').slice(-6)}`;
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    const publisher = await bus.publisher();
    await publisher.publish([
      {
        schema: 'CustomerEvent',
        topic,
        value: {
          ...base,
          changeType: 'CREATED',
          changedFields: [],
          clearedFields: [],
          // 20:30 on 1 March in UTC is 09:30 on 2 March in Auckland (NZDT, UTC+13).
          occurredAt: new Date('2026-03-01T20:30:00.000Z'),
          origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
          customer: {
            ...base.customer,
            customerId: `gc-${unique('zone').replace(/\W/g, '').slice(-20).padStart(20, '0')}`,
            sourceIds: [],
            partyType: 'ORGANIZATION',
            organizationName: name,
            person: null,
          },
        },
      },
    ]);
    await publisher.close();

    await runtime.put(
      {
        name: sink,
        type: 'hubspot-upsert-sink',
        topics: [topic],
        mapping: 'hubspot/batch-upsert.from-canonical.yaml',
        timeZone: 'Pacific/Auckland',
        config: {
          baseUrl: hs.sim.url,
          accessToken: hs.app.accessTokens[0]!,
          companies: true,
          companyMapping: './dated-company.from-canonical.yaml',
          retry: { retries: 1, initialDelayMs: 20, maxDelayMs: 100 },
        },
      },
      'test',
      dir,
    );
    type Listed = { results: Array<{ properties: Record<string, string | null> }> };
    const company = async () =>
      (
        await hs.json<Listed>('GET', '/crm/v3/objects/companies?properties=name,description&limit=100')
      ).body.results.find((c) => c.properties.name === name);
    await waitFor(
      'the company in HubSpot',
      async () => {
        const status = await runtime.status(sink);
        if (status?.metrics.recordsFailed || status?.state === 'FAILED')
          throw new Error(`sink: ${JSON.stringify(status)}`);
        return (await company()) !== undefined;
      },
      30_000,
    );
    expect((await company())?.properties.description).toBe('changed on 2026-03-02');
    expect((await runtime.status(sink))?.metrics.recordsFailed).toBe(0);
  });
});
