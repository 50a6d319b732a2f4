import { describe, expect, it } from 'vitest';
import { syncStatusText } from './sync.ts';

/** The hub's answer as the CLI reads it. */
type SyncHealth = Parameters<typeof syncStatusText>[0];

const health = (lastReceivedAt: string | null, lastSentAt: string | null): SyncHealth => ({
  status: 'ok',
  reasons: [],
  matcher: { backlogRecords: 0 },
  stewardQueue: 0,
  deadLetters: [],
  unknown: [],
  systems: [
    {
      system: 'odoo',
      status: 'ok',
      reasons: [],
      inbound: { lastReceivedAt, records: 3 },
      outbound: { lastSentAt, backlogRecords: 0, failedPushes: 0 },
      drift: null,
      resyncRequested: { records: 0, entities: [], since: null },
      deadLetters: { inbound: 0, outbound: 0, redriven: 0 },
    },
  ],
});

describe('eai sync status table', () => {
  it('says its times are UTC: the hub answers instants, and a bare 09:19:11 read as local time was an hour or more off', () => {
    const text = syncStatusText(health('2026-12-07T09:19:11.123Z', null));
    expect(text).toMatch(/ last received UTC +last sent UTC /);
    expect(text).toMatch(/^odoo +ok +2026-12-07 09:19:11 +- /m);
  });

  it('shows the creates held for the steward in the held column: a number, - for none or an older hub, unknown', () => {
    const base = health(null, null);
    const withHeld = (heldCreates: number | null | undefined): SyncHealth => ({
      ...base,
      systems: base.systems.map((s) => ({ ...s, outbound: { ...s.outbound, heldCreates } })),
    });
    expect(syncStatusText(base)).toMatch(/ failed +held +dead /);
    expect(syncStatusText(withHeld(3))).toMatch(/^odoo +ok +- +- +0 +0 +3 +0 /m);
    expect(syncStatusText(withHeld(0))).toMatch(/^odoo +ok +- +- +0 +0 +- +0 /m);
    expect(syncStatusText(withHeld(null))).toMatch(/^odoo +ok +- +- +0 +0 +unknown +0 /m);
  });
});
