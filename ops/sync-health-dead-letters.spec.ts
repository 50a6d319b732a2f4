import { describe, expect, it } from 'vitest';
import type { LetterTag } from '../bus/index.ts';
import { lettersBySystem, type SinkHealth, sinkOwners } from './sync-health.ts';

/**
 * A system's dead letters are its own, told apart by the tags every letter carries, not the depth of the shared
 * dead-letter topics: the faults trial saw one system's failed pushes as every system's. HubSpot's sink failing
 * must leave Odoo's count at 0. The rules, on the tags as the tally reads them; on the real broker, with the tally
 * reading each letter once, in sync-health-dead-letters.int.spec.ts.
 */

const sink = (connector: string, type: string): SinkHealth => ({
  connector,
  type,
  state: 'RUNNING',
  lastSentAt: null,
  sent: 0,
  failed: 0,
  backlogRecords: 0,
  backlogSeconds: 0,
  lastError: null,
  retrying: null,
  waiting: null,
  autoRestart: null,
});

/** The hub's customer sinks by system (an order sink, SAP's ORDRSP, is none of them). */
const sinks = new Map([
  ['hubspot', [sink('hs-out', 'hubspot-upsert-sink')]],
  ['odoo', [sink('odoo-out', 'odoo-partner-sink')]],
]);

const letter = (tags: Partial<LetterTag> & { topic: string; owner: string; key: string }): LetterTag => ({
  originalTopic: null,
  redriven: false,
  system: null,
  schema: null,
  ...tags,
});

const bySystem = (letters: LetterTag[]) =>
  lettersBySystem(letters, sinkOwners(sinks, 'eai-connect'), 'eai-masterdata', 'eai-connect');

describe("a system's dead letters", () => {
  it('are only its own: its customer sinks’ letters by owner, its changes the matcher refused by key', () => {
    const counts = bySystem([
      // Two of HubSpot's pushes (its sink's consumer group signs them), one redriven since: it stays in dlq.sink,
      // but waits for nobody.
      letter({ topic: 'dlq.sink', owner: 'eai-sink-hs-out', key: 'gc-1' }),
      letter({ topic: 'dlq.sink', owner: 'eai-sink-hs-out', key: 'gc-2', redriven: true }),
      // An order sink's, and another connect group's sink of the same name (not this hub's hs-out).
      letter({ topic: 'dlq.sink', owner: 'eai-sink-ordrsp', key: '4711' }),
      letter({ topic: 'dlq.sink', owner: 'eai-sink-team-b/hs-out', key: 'gc-3' }),
      // The matcher refused a Salesforce change; a workflow's letter beside it.
      letter({ topic: 'dlq.orchestrator', owner: 'eai-masterdata', key: 'salesforce:001A' }),
      letter({ topic: 'dlq.orchestrator', owner: 'eai-workflows', key: 'sap:4711' }),
    ]);
    expect(counts.get('hubspot')).toEqual({ inbound: 0, outbound: 1, redriven: 1 });
    // Odoo's sink failed nothing: none of HubSpot's letters is Odoo's.
    expect(counts.get('odoo')).toBeUndefined();
    // Known by its letter alone: a system the matcher refused a change of.
    expect(counts.get('salesforce')).toEqual({ inbound: 1, outbound: 0, redriven: 0 });
    expect([...counts.keys()].sort()).toEqual(['hubspot', 'salesforce']);
  });

  it("are the matcher's only when it signed them: a key like a customer's from another owner is no system's", () => {
    const counts = bySystem([
      letter({ topic: 'dlq.orchestrator', owner: 'eai-masterdata', key: 'odoo:7' }),
      letter({ topic: 'dlq.orchestrator', owner: 'eai-masterdata', key: 'no-system' }),
      letter({ topic: 'dlq.orchestrator', owner: 'eai-masterdata-2', key: 'hubspot:9' }),
    ]);
    expect([...counts]).toEqual([['odoo', { inbound: 1, outbound: 0, redriven: 0 }]]);
  });
});
