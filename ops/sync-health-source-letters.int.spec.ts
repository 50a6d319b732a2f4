/**
 * A customer document a system's source connector could not map is that system's dead letter: its letter in
 * dlq.mapping is keyed by the document (a HubSpot event id, an IDoc's DOCNUM), not by a customer (`<system>:<id>`),
 * so it is told by the system and schema the source's mapping step writes on it (`eai.connector.system`,
 * `eai.document.schema`). On the real broker: the letters the source step makes, read back by the tally and counted
 * in /sync/health's `deadLetters.inbound` of the system; an order document's letter of SAP's source is not customer sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterTally, type OutgoingRecord } from '../bus/index.ts';
import type { ConnectorRuntime } from '../connectors/index.ts';
import { systemOfConnector } from '../connectors/index.ts';
import { createSourceStep } from '../connectors/runtime/source-step.ts';
import { type CustomerMatcher, defaultMdmConfig, type MasterDataStore } from '../masterdata/index.ts';
import { dropStore, scratchStore } from '../masterdata/test-support.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { type SyncHealthDeps, syncHealth } from './sync-health.ts';

const bus = testBus('/eai/tests/sync-source-letters');
const dlqTopic = unique('h2-sync-dlq');
const customerTopic = unique('h2-sync-customer');
let producer: ReturnType<typeof bus.transport.producer>;
let store: MasterDataStore;

/** The tally of the test's own dead-letter topic (the hub's are shared by every test on the stack). */
class OwnTopicTally extends DeadLetterTally {
  override letters() {
    return super.letters([dlqTopic]);
  }
}

beforeAll(async () => {
  await bus.provisionTopics([
    { topic: dlqTopic, partitions: 1 },
    { topic: customerTopic, partitions: 1 },
  ]);
  producer = bus.transport.producer();
  await producer.connect();
  store = await scratchStore(testStack().databaseUrl, defaultMdmConfig(), 'mdm_letters');
});
afterAll(async () => {
  await producer?.disconnect();
  if (store) await dropStore(store);
});

/** What a source connector of `type` dead-letters of `bytes`, sent to the test's topic as the runtime sends it. */
async function deadLetter(type: string, name: string, format: string, bytes: string): Promise<void> {
  const step = createSourceStep(
    { name, owner: name, system: systemOfConnector(type, name), baseDir: process.cwd() },
    bus,
  );
  const prepared = await step.prepare({ format, bytes: Buffer.from(bytes), name: `${name}#1` });
  expect(prepared.deadLettered).toHaveLength(1);
  const records = prepared.records.map((r): OutgoingRecord => ({ ...r, topic: dlqTopic }));
  await producer.send(records);
}

describe("a system's source connectors' mapping failures", () => {
  it("count in the system's sync-health dead letters (inbound), whatever the letter's key", async () => {
    const hubspotIn = unique('h2-hubspot-in');
    await deadLetter('hubspot-contact-webhook-source', hubspotIn, 'hubspot-contact', '{"not":"a batch"');
    await deadLetter('hubspot-contact-webhook-source', hubspotIn, 'hubspot-contact', '[{"objectId":');
    // An order IDoc SAP's source could not map: no customer sync.
    await deadLetter('sap-idoc-file-source', unique('h2-sap-in'), 'sap-idoc-orders05', '<ORDERS05><IDOC>');

    const deps: SyncHealthDeps = {
      runtime: {
        group: 'eai-connect',
        names: () => [],
        status: async () => undefined,
        sourceOutput: () => undefined,
        sinkInput: () => undefined,
      } as unknown as ConnectorRuntime,
      transport: bus.transport,
      store,
      matcher: {
        received: new Map(),
        handledRecordTimes: new Map(),
        startedAt: Date.now(),
      } as unknown as CustomerMatcher,
      matcherGroup: unique('h2-matcher'),
      customerTopic,
      deadLetterTally: new OwnTopicTally(bus.transport),
    };
    const h = await syncHealth(deps);
    // The master data answered (an empty store): nothing unknown.
    expect(h.unknown).toEqual([]);
    const hubspot = h.systems.find((s) => s.system === 'hubspot');
    expect(hubspot?.deadLetters).toEqual({ inbound: 2, outbound: 0, redriven: 0 });
    expect(h.systems.map((s) => s.system)).not.toContain('sap');
    // Another connect group's source of the same system is another hub's: not counted here.
    const other = await syncHealth({
      ...deps,
      runtime: { ...deps.runtime, group: unique('h2-other-group') } as unknown as ConnectorRuntime,
      deadLetterTally: new OwnTopicTally(bus.transport),
    });
    expect(other.systems.find((s) => s.system === 'hubspot')).toBeUndefined();
  });
});
