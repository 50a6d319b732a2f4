import { describe, expect, it } from 'vitest';
import { systemOfConnector } from '../connectors/index.ts';
import { quotedValue } from '../lib/errors.ts';
import {
  defaultSyncHealthThresholds,
  driftReasons,
  oldestWaitSeconds,
  resyncReasons,
  type SinkHealth,
  type SourceHealth,
  shortError,
  sinkReasons,
  sourceReasons,
} from './sync-health.ts';

const healthy: SinkHealth = {
  connector: 'sf-out',
  type: 'salesforce-upsert-sink',
  state: 'RUNNING',
  lastSentAt: '2026-12-02T08:00:00.000Z',
  sent: 10,
  failed: 0,
  backlogRecords: 0,
  backlogSeconds: 0,
  lastError: null,
  retrying: null,
  waiting: null,
  autoRestart: null,
};
const judge = (sink: Partial<SinkHealth>) =>
  sinkReasons('salesforce', { ...healthy, ...sink }, defaultSyncHealthThresholds);

describe('sync health rules for a sink', () => {
  it('has nothing to say about a running sink that is caught up, whatever it failed before', () => {
    expect(judge({ failed: 3 })).toEqual([]);
  });

  it('a failed connector makes its system failing; a paused or unassigned one degraded', () => {
    expect(judge({ state: 'FAILED' })).toEqual([
      ['failing', 'salesforce: connector sf-out has failed and sends nothing'],
    ]);
    // Why it failed is said with it, not as a push gone to the dead letters (it sent nothing there).
    expect(
      judge({
        state: 'FAILED',
        lastError: 'sf-out: config.clientSecret: environment variable SF_SECRET is not set',
      }),
    ).toEqual([
      [
        'failing',
        'salesforce: connector sf-out has failed and sends nothing (config.clientSecret: environment variable SF_SECRET is not set)',
      ],
    ]);
    expect(judge({ state: 'PAUSED' })).toEqual([
      ['degraded', 'salesforce: connector sf-out is paused, changes are not sent'],
    ]);
    expect(judge({ state: 'UNASSIGNED' })[0]?.[0]).toBe('degraded');
  });

  it('a failed connector whose restart by itself is pending makes it degraded, saying when and after what; failing once none is', () => {
    const error =
      'sf-out: sink sf-out stopped reading canonical.customer: its Kafka consumer crashed (Failed to find group coordinator)';
    const pending = {
      restarts: 2,
      nextRestartAt: new Date(Date.now() + 11_500).toISOString(),
      lastRestartAt: null,
      error,
    };
    expect(judge({ state: 'FAILED', lastError: error, autoRestart: pending })).toEqual([
      [
        'degraded',
        'salesforce: connector sf-out restarting in 12 s after: sink sf-out stopped reading canonical.customer: its Kafka consumer crashed (Failed to find group coordinator)',
      ],
    ]);
    // Restarts off, or a failure a restart cannot help: none pending, failing.
    expect(
      judge({ state: 'FAILED', lastError: error, autoRestart: { ...pending, nextRestartAt: null } })[0]?.[0],
    ).toBe('failing');
    // Running again after the restart: nothing to say of its restarts.
    expect(judge({ autoRestart: { ...pending, nextRestartAt: null } })).toEqual([]);
  });

  it('a last push that failed makes it degraded, naming the error and how to send it again', () => {
    expect(judge({ lastError: 'HTTP 503 from the target' })).toEqual([
      [
        'degraded',
        'salesforce: the last push failed and went to the dead-letter topic (connector sf-out: HTTP 503 from the target); ' +
          'it is not sent again by itself: once what it says is fixed (salesforce answers again, or accepts the record), npx eai dlq redrive dlq.sink --owner sf-out',
      ],
    ]);
    // A refusal is the system's answer: the reason does not tell the operator to wait for one.
    const [[, refused] = []] = judge({
      lastError:
        "sf-out: POST /crm/v3/objects/contacts/batch/update wrote nothing for the record (HubSpot's batch answer names 1 error): OBJECT_NOT_FOUND: Could not find object with id 100028390034",
    });
    expect(refused).toMatch(/OBJECT_NOT_FOUND/);
    expect(refused).not.toMatch(/once salesforce answers,/);
  });

  it('a push being retried makes it degraded, saying for how long and that the changes after it go on by themselves', () => {
    const since = new Date(Date.now() - 125_000).toISOString();
    const reasons = judge({
      retrying: { since, attempts: 9, error: 'sf-out: POST /sobjects answered HTTP 503: {"x":1}' },
    });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]![0]).toBe('degraded');
    expect(reasons[0]![1]).toMatch(
      /^salesforce: a push keeps failing and is retried \(connector sf-out, 9 attempts in 2 min: POST \/sobjects answered HTTP 503\); the changes after it wait and go on by themselves once salesforce answers$/,
    );
  });

  it("a sink waiting for Kafka makes it failing, in the connector's own words and since when", () => {
    const waiting = {
      on: 'kafka' as const,
      since: '2026-12-02T08:00:00.000Z',
      reason:
        'Kafka at 127.0.0.1:19092 is unreachable (connect ECONNREFUSED 127.0.0.1:19092): no record is read or applied until it answers; it goes on by itself then',
    };
    expect(judge({ waiting })).toEqual([
      [
        'failing',
        `salesforce: connector sf-out waits for Kafka since 2026-12-02T08:00:00.000Z: ${waiting.reason}`,
      ],
    ]);
  });

  it("leaves the system's answer body out of the reason (an Odoo 503: JSON with a traceback), keeping its message", () => {
    const odoo =
      'odoo-out: POST /jsonrpc object.execute_kw answered HTTP 503: {"jsonrpc":"2.0","id":null,"error":{"code":200,' +
      '"message":"Odoo Server Error","data":{"debug":"Traceback (most recent call last):\\n  File ..."}}}';
    expect(shortError('odoo-out', odoo)).toBe(
      'POST /jsonrpc object.execute_kw answered HTTP 503: Odoo Server Error',
    );
    expect(shortError('sf-out', 'HTTP 503 from the target')).toBe('HTTP 503 from the target');
    expect(shortError('sf-out', 'x'.repeat(300))).toHaveLength(200);
    // Sync health is a viewer's: a refused value (an email, a phone) its maker quoted is not quoted back; the
    // technical names (a property, a connector) are.
    expect(
      shortError(
        'hs-out',
        `hs-out: HubSpot 400: Email ${quotedValue('jane.roe@example')} is invalid (property "email")`,
      ),
    ).toBe('HubSpot 400: Email "…" is invalid (property "email")');
  });

  it('a backlog over either threshold makes it degraded, in records and age', () => {
    expect(judge({ backlogRecords: 1000, backlogSeconds: 299 })).toEqual([]);
    expect(judge({ backlogRecords: 1001, backlogSeconds: 5 })).toEqual([
      ['degraded', 'salesforce: 1,001 changes wait to be sent (connector sf-out), the oldest up to 5 s old'],
    ]);
    expect(judge({ backlogRecords: 3, backlogSeconds: 360 })).toEqual([
      ['degraded', 'salesforce: 3 changes wait to be sent (connector sf-out), the oldest up to 6 min old'],
    ]);
    // An old last record with nothing waiting is not a backlog.
    expect(judge({ backlogRecords: 0, backlogSeconds: 3600 })).toEqual([]);
  });
});

const reading: SourceHealth = {
  connector: 'sf-in',
  type: 'salesforce-cdc-source',
  state: 'RUNNING',
  lastReadAt: '2026-12-02T08:00:00.000Z',
  read: 10,
  failed: 2,
  lastError: null,
  waiting: null,
  autoRestart: null,
};
const judgeSource = (source: Partial<SourceHealth>) => sourceReasons('salesforce', { ...reading, ...source });

describe('sync health rules for a customer source', () => {
  it('has nothing to say about a running source, whatever it dead-lettered (counted with the letters)', () => {
    expect(judgeSource({})).toEqual([]);
    expect(judgeSource({ failed: 40 })).toEqual([]);
  });

  it('a running one whose reads keep failing makes it degraded, without the answer body: the changes wait in the system', () => {
    const lastError =
      'polling res.partner failed, tried again shortly: sf-in: POST /jsonrpc object.execute_kw answered HTTP 503: {"jsonrpc":"2.0","error":{"data":{"debug":"Traceback (most recent call last)"}}}';
    expect(judgeSource({ lastError })).toEqual([
      [
        'degraded',
        'salesforce: connector sf-in cannot read its changes and tries again by itself (polling res.partner failed, tried again shortly: sf-in: POST /jsonrpc object.execute_kw answered HTTP 503); changes made in salesforce wait there and reach the hub once it answers',
      ],
    ]);
    // Said once: a failed one's error is its failure's reason, one waiting for Kafka says so instead.
    expect(judgeSource({ lastError, state: 'FAILED' })).toHaveLength(1);
    expect(
      judgeSource({ lastError, waiting: { on: 'kafka', since: '2026-12-02T08:00:00.000Z', reason: 'down' } }),
    ).toHaveLength(1);
  });

  it("a paused, stopped or unassigned one makes its system degraded: the system's changes do not reach the hub", () => {
    expect(judgeSource({ state: 'PAUSED' })).toEqual([
      [
        'degraded',
        'salesforce: connector sf-in is paused, changes made in salesforce do not reach the hub until it runs',
      ],
    ]);
    expect(judgeSource({ state: 'STOPPED' })[0]?.[0]).toBe('degraded');
    expect(judgeSource({ state: 'UNASSIGNED' })[0]?.[0]).toBe('degraded');
  });

  it('a failed one makes it failing, saying why; degraded while a restart by itself is pending', () => {
    const lastError = 'sf-in: config.clientSecret: environment variable SF_SECRET is not set';
    expect(judgeSource({ state: 'FAILED', lastError })).toEqual([
      [
        'failing',
        'salesforce: connector sf-in has failed and reads nothing (config.clientSecret: environment variable SF_SECRET is not set): changes made in salesforce do not reach the hub',
      ],
    ]);
    const pending = {
      restarts: 1,
      nextRestartAt: new Date(Date.now() + 4_500).toISOString(),
      lastRestartAt: null,
      error: 'sf-in: the CDC subscription was refused (HTTP 503)',
    };
    expect(judgeSource({ state: 'FAILED', lastError, autoRestart: pending })).toEqual([
      [
        'degraded',
        'salesforce: connector sf-in restarting in 5 s after: the CDC subscription was refused (HTTP 503)',
      ],
    ]);
  });

  it("a source waiting for Kafka makes it failing, in the connector's own words", () => {
    const waiting = {
      on: 'kafka' as const,
      since: '2026-12-02T08:00:00.000Z',
      reason: 'Kafka is unreachable',
    };
    expect(judgeSource({ waiting })).toEqual([
      [
        'failing',
        'salesforce: connector sf-in waits for Kafka since 2026-12-02T08:00:00.000Z: Kafka is unreachable',
      ],
    ]);
  });
});

describe('systemOfConnector', () => {
  it('is the first word of the connector type, or the name for the generic types', () => {
    expect(systemOfConnector('salesforce-upsert-sink', 'x')).toBe('salesforce');
    expect(systemOfConnector('sap-ordrsp-file-sink', 'x')).toBe('sap');
    expect(systemOfConnector('logistics-despatch-sink', 'x')).toBe('logistics');
    expect(systemOfConnector('file-source', 'acme-orders')).toBe('acme-orders');
    expect(systemOfConnector('webhook-source', 'partner-hook')).toBe('partner-hook');
    expect(systemOfConnector('file-sink', 'customer-table')).toBe('customer-table');
    // Two HTTP sinks to two systems are two systems, not one named `http`.
    expect(systemOfConnector('http-sink', 'wms-customers')).toBe('wms-customers');
    expect(systemOfConnector('http-sink', 'partner-customers')).toBe('partner-customers');
  });
});

describe('the matcher backlog age', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  it('is how long ago the last record handled on a partition behind was written, not when it was handled', () => {
    // A matcher busy with a backlog handled a record a moment ago that was written ten minutes ago.
    const handled = new Map([
      [0, now - 600_000],
      [1, now - 5_000],
    ]);
    expect(oldestWaitSeconds(new Map([[0, 1028]]), handled, now - 3_600_000, now)).toBe(600);
    expect(oldestWaitSeconds(new Map([[1, 3]]), handled, now - 3_600_000, now)).toBe(5);
    expect(
      oldestWaitSeconds(
        new Map([
          [0, 1],
          [1, 1],
        ]),
        handled,
        now - 3_600_000,
        now,
      ),
    ).toBe(600);
  });

  it('is 0 with nothing behind, and since the start for a partition with nothing handled yet', () => {
    expect(oldestWaitSeconds(new Map(), new Map([[0, now - 600_000]]), now - 60_000, now)).toBe(0);
    expect(oldestWaitSeconds(new Map([[2, 40]]), new Map([[0, now - 600_000]]), now - 60_000, now)).toBe(60);
  });
});

describe("sync health rules for a system's last reconcile", () => {
  const drift = {
    finishedAt: '2026-12-02T08:00:00.000Z',
    records: 3,
    missing: 0,
    extra: 0,
    differs: 0,
    behind: 0,
    erased: 0,
    repaired: false,
  };

  it('an extra record is degraded until a repair applies it', () => {
    expect(driftReasons('odoo', { ...drift, extra: 1 })).toEqual([
      [
        'degraded',
        'odoo drifted apart from the golden records: its last reconcile (2026-12-02T08:00:00.000Z) found 1 record in its export and unknown to the hub; `eai mdm reconcile odoo --input <export> --repair` applies the export',
      ],
    ]);
    expect(driftReasons('odoo', { ...drift, extra: 1, repaired: true })).toEqual([]);
  });

  it('a record erased in the hub but still in the system stays degraded after a repair, saying to erase it there', () => {
    const erased = [
      'degraded',
      'odoo still holds 1 record erased in the hub (right to be forgotten): its last reconcile (2026-12-02T08:00:00.000Z) found it in its export; erase it in odoo by hand (a repair does not), then `eai mdm reconcile odoo --input <export>` again',
    ];
    expect(driftReasons('odoo', { ...drift, erased: 1 })).toEqual([erased]);
    expect(driftReasons('odoo', { ...drift, erased: 1, repaired: true })).toEqual([erased]);
    // Not counted as extra, so no repair is promised for it.
    expect(driftReasons('odoo', { ...drift, erased: 1 }).join(' ')).not.toContain('--repair');
    // Once the system deleted it, the next reconcile finds none: ok again.
    expect(driftReasons('odoo', drift)).toEqual([]);
  });
});

describe("sync health rules for a system's requests to re-read records", () => {
  const since = '2026-12-02T08:00:00.000Z';

  it('says nothing with none open', () => {
    expect(resyncReasons('salesforce', undefined)).toEqual([]);
    expect(resyncReasons('salesforce', { records: 0, entities: [], since: null })).toEqual([]);
  });

  it('is degraded, naming the records and entities and the reconcile that answers them', () => {
    expect(resyncReasons('salesforce', { records: 3, entities: ['Account'], since })).toEqual([
      [
        'degraded',
        'salesforce asked for 3 records and every Account to be re-read since 2026-12-02T08:00:00.000Z (it lost changes the hub has not received): export all its customers and run npx eai mdm reconcile salesforce --input <export> --repair',
      ],
    ]);
    expect(resyncReasons('hubspot', { records: 1, entities: [], since })[0]?.[1]).toMatch(
      /^hubspot asked for 1 record to be re-read since /,
    );
    // Entity-wide alone is degraded too: changes still flow, nothing waits for an operator to go on.
    expect(resyncReasons('salesforce', { records: 0, entities: ['Account', 'Contact'], since })).toEqual([
      [
        'degraded',
        expect.stringMatching(/^salesforce asked for every Account and every Contact to be re-read since /),
      ],
    ]);
  });
});
