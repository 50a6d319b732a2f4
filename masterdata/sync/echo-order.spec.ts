/**
 * Echoes out of order (changes.ts `overtakenAfterEcho`, `lateEchoes`, `classify`): the hub writes a field A, then B;
 * B's echo comes first and overtakes A; A's echo, coming after, is the hub's when the system made it no later than B's
 * echo, and a person setting A after that is making an edit. echo-order.int.spec.ts runs it on the real stack.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { parseMdmConfig } from '../config.ts';
import {
  classify,
  lateEchoes,
  overtakenAfterEcho,
  PENDING_KEPT,
  pendingAfterEcho,
  type Sent,
} from './index.ts';

const systems = parseMdmConfig({
  sync: {
    systems: {
      odoo: { push: true, hubChangedBy: ['7'], fingerprint: true },
      plain: { push: true, hubChangedBy: ['7'], fingerprint: false },
    },
  },
}).sync.systems;

const phone = (number: string) => [{ number, isE164: true, use: null, primary: true }];
const A = phone('+4930000001');
const B = phone('+4930000002');

const record = (phones: unknown, extra: Record<string, unknown> = {}): CustomerPartyMaster =>
  ({
    customerId: 'odoo:1',
    sourceIds: [{ system: 'odoo', id: '1', idType: null }],
    partyType: 'PERSON',
    person: { title: null, givenName: 'Lise', middleName: null, familyName: 'Meitner' },
    emails: [{ address: 'lise@example.org', use: null, primary: true }],
    phones,
    addresses: [],
    updatedAt: new Date('2026-03-01T09:00:00Z'),
    ...extra,
  }) as unknown as CustomerPartyMaster;

const event = (c: Partial<CustomerPartyMaster>, changedFields: string[], at: string): CustomerEvent =>
  ({
    changeType: 'UPDATED',
    changedFields,
    clearedFields: [],
    mergedIds: [],
    occurredAt: new Date(at),
    origin: { system: 'odoo', documentId: null, changeOrigin: null, changedBy: null },
    customer: { customerId: 'odoo:1', sourceIds: [{ system: 'odoo', id: '1', idType: null }], ...c },
  }) as unknown as CustomerEvent;

/** The hub sent A, then B: both on their way. */
const bothSent: Sent = { fields: ['phones'], vals: { phones: B }, pending: { phones: [A, B] } };
const B_ECHO = '2026-03-01T10:03:20.000Z';

describe('echoes coming back out of order', () => {
  it("keeps the values a later write's echo overtook, with that echo's time, and the newest few", () => {
    // B's echo first: nothing left on its way, A overtaken at B's echo's time.
    expect(pendingAfterEcho(bothSent, ['phones'], { phones: B })).toEqual({});
    expect(overtakenAfterEcho(bothSent, ['phones'], { phones: B }, B_ECHO)).toEqual({
      phones: [{ value: A, by: B_ECHO }],
    });
    // A's echo first overtakes nothing; neither does an echo without a time to order by.
    expect(overtakenAfterEcho(bothSent, ['phones'], { phones: A }, B_ECHO)).toBeNull();
    expect(overtakenAfterEcho(bothSent, ['phones'], { phones: B }, null)).toBeNull();
    // Overtaken again (sent again, overtaken again), a value takes the newer time, once.
    const again = overtakenAfterEcho(
      { ...bothSent, overtaken: { phones: [{ value: A, by: '2026-03-01T08:00:00.000Z' }] } },
      ['phones'],
      { phones: B },
      B_ECHO,
    );
    expect(again).toEqual({ phones: [{ value: A, by: B_ECHO }] });
    // Bounded per field: the newest PENDING_KEPT.
    const many = Array.from({ length: PENDING_KEPT + 3 }, (_, n) =>
      phone(`+49300001${String(n).padStart(2, '0')}`),
    );
    const kept = overtakenAfterEcho(
      { fields: ['phones'], vals: { phones: B }, pending: { phones: [...many, B] } },
      ['phones'],
      { phones: B },
      B_ECHO,
    );
    expect(kept?.phones?.map((o) => o.value)).toEqual(many.slice(-PENDING_KEPT));
  });

  it('takes an overtaken value for a late echo when the system made it no later than the echo that overtook it', () => {
    const seen: Sent = { ...bothSent, pending: {}, overtaken: { phones: [{ value: A, by: B_ECHO }] } };
    expect(lateEchoes(seen, ['phones'], { phones: A }, '2026-03-01T10:03:10.000Z')).toEqual(['phones']);
    // Equal times (a clock of whole seconds) are the echo.
    expect(lateEchoes(seen, ['phones'], { phones: A }, B_ECHO)).toEqual(['phones']);
    // Later than B's echo: a person setting A again.
    expect(lateEchoes(seen, ['phones'], { phones: A }, '2026-03-01T10:04:00.000Z')).toEqual([]);
    // A value never sent, the last one sent (vals: an echo already), or no time: no late echo.
    expect(lateEchoes(seen, ['phones'], { phones: phone('+4930000009') }, B_ECHO)).toEqual([]);
    expect(lateEchoes(seen, ['phones'], { phones: B }, B_ECHO)).toEqual([]);
    expect(lateEchoes(seen, ['phones'], { phones: A }, null)).toEqual([]);
  });

  it('classifies the late echo as the hub’s, keeping the value and time the record holds', () => {
    const seen: Sent = { ...bothSent, pending: {}, overtaken: { phones: [{ value: A, by: B_ECHO }] } };
    // The record after B's echo: B, a copy (time null).
    const previous = { record: record(B), fieldTimes: { phones: null, emails: '2026-03-01T09:00:00.000Z' } };
    const late = classify(
      event({ phones: A }, ['phones'], '2026-03-01T10:03:10Z'),
      previous,
      seen,
      systems.odoo,
    );
    expect(late.kind).toBe('echo');
    expect(late.by).toBe('fingerprint');
    expect(late.record.phones).toEqual(B);
    expect(late.fieldTimes.phones).toBeNull();
    expect(late.fields).toEqual([]);
    expect(late.record.updatedAt).toEqual(previous.record.updatedAt);

    // The counter-case: a person sets A after B landed, an edit at its time.
    const edit = classify(
      event({ phones: A }, ['phones'], '2026-03-01T10:04:00Z'),
      previous,
      seen,
      systems.odoo,
    );
    expect([edit.kind, edit.fields, edit.record.phones]).toEqual(['edit', ['phones'], A]);
    expect(edit.fieldTimes.phones).toBe('2026-03-01T10:04:00.000Z');

    // Without fingerprints for the system the values say nothing: an edit, as before.
    expect(
      classify(event({ phones: A }, ['phones'], '2026-03-01T10:03:10Z'), previous, seen, systems.plain).kind,
    ).toBe('edit');
  });

  it("keeps the late field out of an edit it rides with: the person's other field is the edit", () => {
    const seen: Sent = { ...bothSent, pending: {}, overtaken: { phones: [{ value: A, by: B_ECHO }] } };
    const previous = { record: record(B), fieldTimes: { phones: null, emails: '2026-03-01T09:00:00.000Z' } };
    // A whole-record system's late snapshot: A (the hub's, overtaken) beside an email a person changed before.
    const email = [{ address: 'lise.meitner@example.org', use: null, primary: true }];
    const snapshot = event(record(A, { emails: email }), [], '2026-03-01T10:03:10Z');
    const change = classify(snapshot, previous, seen, systems.odoo);
    expect([change.kind, change.fields]).toEqual(['edit', ['emails']]);
    expect(change.record.phones).toEqual(B);
    expect(change.record.emails).toEqual(email);
    expect(change.fieldTimes.phones).toBeNull();
    expect(change.fieldTimes.emails).toBe('2026-03-01T10:03:10.000Z');
  });
});
