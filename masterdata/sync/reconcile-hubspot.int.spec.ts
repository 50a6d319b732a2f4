/**
 * A repeated `eai mdm reconcile hubspot --repair` against the HubSpot simulator and its real sink: the golden record
 * holds more addresses than a HubSpot contact has places for (one), so HubSpot holds what it can of them. That is
 * no drift: the first repair sends HubSpot what it lacks, the second finds the record in sync and sends nothing.
 * Before, each run found the golden record's other addresses missing in HubSpot (`behind`, addresses) and sent
 * them again, for ever. On the real broker, registry and PostgreSQL; the exports are the simulator's contacts read
 * over REST and mapped as the snapshot source maps them (hubspot/crm-object.to-canonical.yaml).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../../connectors/index.ts';
import { mapBytes } from '../../mappings/index.ts';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { CONTACTS, type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { parseMdmConfig } from '../config.ts';
import { customerFile, loadJsonLines } from '../load.ts';
import { reconcile } from '../reconcile.ts';
import type { MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { type GoldenSync, startGoldenSync } from './index.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const PROPERTIES = 'email,firstname,lastname,phone,address,city,zip,country';

describe('reconcile --repair of a system that holds one address of several', () => {
  const bus = testBus('/eai/tests/mdm-reconcile-hubspot');
  const goldenTopic = unique('h1-rechs-golden');
  const prefix = `${unique('h1-rechs-cmd')}.`;
  const sink = unique('h1-rechs-sink');
  const dir = mkdtempSync(join(tmpdir(), 'h1-rechs-'));
  let files = 0;
  let hs: HubSpotHarness;
  let runtime: ConnectorRuntime;
  let store: MasterDataStore;
  let sync: GoldenSync;

  const file = (records: unknown[]) => {
    const path = join(dir, `export-${++files}.jsonl`);
    writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    return path;
  };
  /** HubSpot's export: its contacts read over REST, mapped to CustomerEvents. */
  const hubspotExport = async () => {
    const page = await hs.call('GET', `${CONTACTS}?limit=100&properties=${PROPERTIES}`);
    const documents = await mapBytes('hubspot-crm-object', Buffer.from(await page.text()));
    return file(documents.flatMap((d) => d.records.map((r) => r.value)));
  };
  /** The hub's writes into HubSpot (its sink's idempotency keys). */
  const hubWrites = async () =>
    (
      await hs.json<{ effects: Array<{ idempotencyKey?: string }> }>('GET', '/sim/effects?entityType=contact')
    ).body.effects.filter((e) => e.idempotencyKey?.startsWith(`${connectorKey(sink, runtime.group)}:`))
      .length;
  /** The relay run and the sink caught up: the hub's writes into HubSpot the same on two looks in a row. */
  const settle = async () => {
    let last = -1;
    await waitFor(
      'the sink to catch up',
      async () => {
        await sync.flush();
        await new Promise((resolve) => setTimeout(resolve, 700));
        const lag = (await runtime.status(sink))?.metrics?.lagRecords;
        const now = await hubWrites();
        const quiet = now === last && lag === 0 && (await outbox()) === 0;
        last = now;
        return quiet;
      },
      60_000,
    );
  };
  const outbox = async () =>
    (await store.pool.query(`select count(*)::int as n from "${store.schema}".golden_outbox`)).rows[0]
      .n as number;

  beforeAll(async () => {
    hs = await startHubSpot();
    const config = parseMdmConfig({
      survivorship: {
        default: { rule: 'mostRecent' },
        fields: { addresses: { rule: 'sourcePriority', priority: ['salesforce', 'hubspot'] } },
      },
      sync: {
        systems: {
          salesforce: {},
          hubspot: { push: true, hubChangeOrigin: ['INTEGRATION'], hubChangedBy: [String(hs.app.appId)] },
        },
        goldenTopic,
        commandTopicPrefix: prefix,
        // Only flush() runs the relay.
        pollMs: 3_600_000,
      },
    });
    store = await scratchStore(testStack().databaseUrl, config, 'h1rechs');
    sync = await startGoldenSync({ bus, store, logger });
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger,
      group: unique('h1-connect-rechs'),
      sinkRetry: { retries: 2, initialDelayMs: 50, maxDelayMs: 200 },
    });
    await runtime.start();
    const secret = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
    process.env[secret] = hs.app.accessTokens[0];
    await runtime.put(
      {
        name: sink,
        type: 'hubspot-upsert-sink',
        topics: [`${prefix}hubspot`],
        mapping: 'hubspot/batch-upsert.from-canonical.yaml',
        config: {
          baseUrl: hs.sim.url,
          accessToken: `\${env:${secret}}`,
          retry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
        },
      },
      'test',
    );
  }, 120_000);
  afterAll(async () => {
    await runtime?.remove(sink).catch(() => undefined);
    await runtime?.stop();
    await sync?.stop();
    await hs?.sim.close();
    if (store) await dropStore(store);
  });

  it('repairs once; the second run finds no drift and sends nothing', async () => {
    const email = `${unique('mara')}@example.org`;
    // HubSpot: a contact at an old address, loaded first.
    const hsId = (
      await hs.json<{ id: string }>('POST', '/sim/edit', {
        properties: {
          firstname: 'Mara',
          lastname: 'Jansen',
          email,
          address: 'Alte Gasse 3',
          city: 'Kiel',
          zip: '24103',
          country: 'Germany',
        },
      })
    ).body.id;
    await loadJsonLines(store, 'hubspot', await hubspotExport());
    // Salesforce (trusted for addresses): billing, shipping and mailing addresses. The golden record takes them,
    // and the relay sends them to HubSpot, whose sink writes the one it has a place for (the mailing address).
    const contact = {
      customerId: 'salesforce:003H1',
      sourceIds: [{ system: 'salesforce', id: '003H1', idType: null }],
      partyType: 'PERSON',
      person: { givenName: 'Mara', familyName: 'Jansen' },
      emails: [{ address: email, primary: true }],
      addresses: [
        { use: 'BILLING', lines: ['Ballindamm 1'], city: 'Hamburg', postalCode: '20095', countryCode: 'DE' },
        {
          use: 'SHIPPING',
          lines: ['Am Lagerhaus 7'],
          city: 'Bremen',
          postalCode: '28197',
          countryCode: 'DE',
        },
        {
          use: 'MAILING',
          lines: ['Postfach 12 34'],
          city: 'Hamburg',
          postalCode: '20001',
          countryCode: 'DE',
        },
      ],
    } as unknown as CustomerPartyMaster;
    await loadJsonLines(store, 'salesforce', file([contact]));
    const goldenId = (await store.xref('salesforce', '003H1')) as string;
    expect(await store.xref('hubspot', hsId)).toBe(goldenId);
    const golden = (await store.golden(goldenId))?.record;
    expect(golden?.addresses?.map((a) => a.lines?.[0])).toEqual([
      'Ballindamm 1',
      'Am Lagerhaus 7',
      'Postfach 12 34',
    ]);
    await settle();
    const address = async () =>
      (await hs.json<{ properties: Record<string, string> }>('GET', `${CONTACTS}/${hsId}?properties=address`))
        .body.properties.address;
    expect(await address()).toBe('Postfach 12 34');

    // First repair: the hub has not heard HubSpot's echo of that write (no webhooks here): it takes the export's
    // record as HubSpot's word. HubSpot holds what it can of the golden addresses: nothing goes back.
    const first = await reconcile(store, 'hubspot', customerFile(await hubspotExport(), 'hubspot'), {
      repair: true,
    });
    expect(first.drift).toEqual([{ kind: 'differs', sourceId: hsId, goldenId, fields: ['address'] }]);
    await settle();
    const [commands, writes] = [sync.counts.commands.hubspot ?? 0, await hubWrites()];
    expect(await address()).toBe('Postfach 12 34');

    // Second repair: HubSpot holds what it can of the golden record. No drift, nothing queued, nothing sent.
    const second = await reconcile(store, 'hubspot', customerFile(await hubspotExport(), 'hubspot'), {
      repair: true,
    });
    expect(second.counts).toEqual({ missing: 0, extra: 0, differs: 0, behind: 0, erased: 0, same: 1 });
    expect(await outbox()).toBe(0);
    await settle();
    expect(sync.counts.commands.hubspot ?? 0).toBe(commands);
    expect(await hubWrites()).toBe(writes);
  });
});
