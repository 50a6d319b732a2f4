import { describe, expect, it } from 'vitest';
import { OdooFaultError } from '../../connectors/odoo/jsonrpc.ts';
import type { SinkHealth, SyncHealth } from '../sync-health.ts';
import { syncHealthAsSeenBy } from './sync.ts';

const fault = new OdooFaultError(
  'odoo-out: Odoo res.partner.write',
  'ValidationError',
  'invalid email jane.roe@x',
);
const sink: SinkHealth = {
  connector: 'odoo-out',
  type: 'odoo-write-sink',
  state: 'FAILED',
  lastSentAt: null,
  sent: 0,
  failed: 1,
  backlogRecords: 0,
  backlogSeconds: 0,
  lastError: fault.message,
  retrying: { since: '2026-12-07T09:00:00.000Z', attempts: 2, error: fault.message },
  waiting: null,
  autoRestart: {
    restarts: 1,
    nextRestartAt: null,
    error: fault.message,
  } as unknown as SinkHealth['autoRestart'],
};
const health = {
  status: 'failing',
  reasons: [],
  checkedAt: '2026-12-07T09:00:00.000Z',
  matcher: { backlogRecords: 0, backlogSeconds: 0, goldenRecords: 0 },
  stewardQueue: 0,
  deadLetters: [],
  systems: [
    {
      system: 'odoo',
      status: 'failing',
      reasons: [],
      inbound: { lastReceivedAt: null, eventsSinceStart: 0, records: 0, sources: [] },
      outbound: {
        lastSentAt: null,
        backlogRecords: 0,
        backlogSeconds: 0,
        failedPushes: 1,
        writtenBack: 0,
        sinks: [sink],
      },
      drift: null,
      resyncRequested: null,
      deadLetters: null,
    },
  ],
  unknown: [],
} as unknown as SyncHealth;

describe("GET /sync/health: a sink's own errors as each role reads them", () => {
  it("gives a viewer a sink's lastError, retrying and restart errors without the record's values", () => {
    const seen = syncHealthAsSeenBy({ name: 'dashboard', role: 'viewer' }, health).systems[0]!.outbound
      .sinks[0]!;
    const shown = 'odoo-out: Odoo res.partner.write: Odoo ValidationError: "…"';
    expect([seen.lastError, seen.retrying?.error, seen.autoRestart?.error]).toEqual([shown, shown, shown]);
  });

  it('gives an operator the errors whole', () => {
    const seen = syncHealthAsSeenBy({ name: 'oncall', role: 'operator' }, health).systems[0]!.outbound
      .sinks[0]!;
    expect(seen.lastError).toContain('jane.roe@x');
    expect(seen.retrying?.error).toContain('jane.roe@x');
  });
});
