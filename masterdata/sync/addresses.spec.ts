/**
 * Addresses of several uses in the sync (pure): the golden record holds SAP's BILLING and a Salesforce Account's
 * SHIPPING address; Salesforce holds both, Odoo (a partner's one address, no stamp: its echoes are known by
 * fingerprint) only one. The relay's commands, the sinks' writes and their echoes are played until nothing is sent:
 * no edit/echo loop, each system ending with what it can hold of the golden addresses.
 */
import { describe, expect, it } from 'vitest';
import type { Address, CustomerEvent, CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { parseMdmConfig } from '../config.ts';
import type { FieldTimes } from '../store.ts';
import { type Member, survive } from '../survivorship.ts';
import { classify, heldView, holdsSent, planCommand, planGoldenEvent } from './index.ts';

const config = parseMdmConfig({
  sync: {
    systems: {
      salesforce: { push: true, hubChangeOrigin: ['client=eai-hub'], fingerprint: false },
      odoo: { push: true, fingerprint: true },
    },
  },
});

const address = (use: Address['use'], street: string, city = 'Hamburg'): Address => ({
  use,
  lines: [street],
  city,
  region: null,
  postalCode: '20095',
  countryCode: 'DE',
});
const billing = address('BILLING', 'Ballindamm 1');
const shipping = address('SHIPPING', 'Am Lagerhaus 7', 'Bremen');

const org = (system: string, id: string, addresses: Address[], updatedAt: string): CustomerPartyMaster => ({
  customerId: `${system}:${id}`,
  sourceIds: [{ system, id, idType: null }],
  partyType: 'ORGANIZATION',
  organizationName: 'Weber Logistik GmbH',
  addresses,
  updatedAt: new Date(updatedAt),
});

const update = (
  system: string,
  id: string,
  customer: Partial<CustomerPartyMaster>,
  changedFields: string[],
  at: string,
  changeOrigin: string | null = null,
): CustomerEvent => ({
  changeType: 'UPDATED',
  changedFields,
  clearedFields: [],
  mergedIds: [],
  occurredAt: new Date(at),
  origin: { system, documentId: null, changeOrigin, changedBy: null },
  customer: { customerId: `${system}:${id}`, sourceIds: [{ system, id, idType: null }], ...customer },
});

/** What each sink writes of the golden addresses: Salesforce's Account both slots, Odoo's partner one (billing first). */
const sinkWrites: Record<string, (golden: Address[]) => Address[]> = {
  salesforce: (golden) =>
    ['BILLING', 'SHIPPING'].flatMap((use) => golden.filter((a) => a.use === use).slice(0, 1)),
  odoo: (golden) => {
    const one = golden.find((a) => a.use === 'BILLING') ?? golden[0];
    // Odoo reads a partner's own address back as REGISTERED.
    return one ? [{ ...one, use: 'REGISTERED' }] : [];
  },
};

interface Held {
  system: string;
  id: string;
  record: CustomerPartyMaster;
  fieldTimes: FieldTimes;
}

describe('addresses of several uses in the sync', () => {
  it('end with what each system can hold of the golden addresses, and no edit/echo loop', () => {
    const members: Held[] = [
      {
        system: 'sap',
        id: '0000100001',
        record: org('sap', '0000100001', [billing], '2026-03-02T00:00:00Z'),
        fieldTimes: {},
      },
      {
        system: 'salesforce',
        id: '001A',
        record: org('salesforce', '001A', [billing, shipping], '2026-03-01T00:00:00Z'),
        fieldTimes: {},
      },
      {
        system: 'odoo',
        id: '7',
        // Its own older address, which the hub's write of the billing address (its one place) replaces.
        record: org('odoo', '7', [address('REGISTERED', 'Altstraße 1')], '2026-02-01T00:00:00Z'),
        fieldTimes: {},
      },
    ];
    const survived = () =>
      survive(
        'gc-1',
        members.map(
          (m): Member => ({ system: m.system, sourceId: m.id, record: m.record, fieldTimes: m.fieldTimes }),
        ),
        config,
      );
    const sent = new Map<string, { fields: string[]; vals: Record<string, unknown> }>();
    let before: CustomerPartyMaster | null = null;
    const writes: string[] = [];
    const kinds: string[] = [];
    let tick = 0;
    let settled = false;
    for (let round = 0; round < 10 && !settled; round++) {
      const golden = survived().record;
      const current = {
        golden_id: 'gc-1',
        record: golden,
        status: 'active' as const,
        merged_into: null,
        version: round + 1,
        updated_at: new Date('2026-03-03T00:00:00Z'),
      };
      const plan = planGoldenEvent('g', { before, beforeStatus: before ? 'active' : null }, current, [], []);
      before = golden;
      settled = !plan.event;
      if (settled) break;
      let commands = 0;
      for (const system of ['salesforce', 'odoo']) {
        const m = members.find((x) => x.system === system) as Held;
        const s = sent.get(system);
        const command = planCommand({
          topic: `cmd.${system}`,
          system,
          create: false,
          current,
          plan,
          member: { system, source_id: m.id, golden_id: 'gc-1', record: m.record },
          sent: s && { golden_id: 'gc-1', system, source_id: m.id, ...s },
        });
        if (!command?.event) continue;
        commands++;
        sent.set(system, {
          fields: [...new Set([...(s?.fields ?? []), ...command.fields])],
          vals: { ...(s?.vals ?? {}), ...command.vals },
        });
        if (!command.fields.includes('addresses')) continue;
        writes.push(system);
        // The sink writes what the system has places for; the echo comes back, Salesforce's stamped (CDC, the
        // fields named), Odoo's a polled whole record without a stamp.
        const held = sinkWrites[system]?.(golden.addresses ?? []) ?? [];
        const at = `2026-03-04T00:00:0${tick++}Z`;
        const echo =
          system === 'salesforce'
            ? update(system, m.id, { addresses: held }, ['addresses[BILLING].lines'], at, 'x;client=eai-hub')
            : update(system, m.id, { ...m.record, addresses: held, updatedAt: new Date(at) }, [], at);
        const change = classify(
          echo,
          { record: m.record, fieldTimes: m.fieldTimes },
          sent.get(system) ?? null,
          config.sync.systems[system],
        );
        // (A polled record that did not change sets no field: nothing to tell.)
        if (change.fields.length > 0) kinds.push(`${system}:${change.kind}`);
        m.record = change.record;
        m.fieldTimes = change.fieldTimes;
      }
      settled = commands === 0;
    }
    expect(settled).toBe(true);
    // Two rounds, then quiet: the first golden record also holds Odoo's own old REGISTERED address; Odoo's one
    // place takes the billing address (its sink's choice, as before addresses were several), the echo is a copy and
    // no source of a use, so the golden record loses that address and both systems are sent the two left, once.
    expect(writes).toEqual(['salesforce', 'odoo', 'salesforce', 'odoo']);
    expect([...new Set(kinds)].sort()).toEqual(['odoo:echo', 'salesforce:echo']);
    const golden = survived();
    expect(golden.record.addresses?.map((a) => [a.use, a.lines?.[0]])).toEqual([
      ['BILLING', 'Ballindamm 1'],
      ['SHIPPING', 'Am Lagerhaus 7'],
    ]);
    expect(golden.lineage['addresses[SHIPPING]']?.system).toBe('salesforce');
    const of = (system: string) =>
      members.find((m) => m.system === system)?.record.addresses?.map((a) => a.lines?.[0]);
    expect(of('salesforce')).toEqual(['Ballindamm 1', 'Am Lagerhaus 7']);
    expect(of('odoo')).toEqual(['Ballindamm 1']);
    // Salesforce's shipping address stays its own after the echo of the billing write.
    const sf = members.find((m) => m.system === 'salesforce');
    expect(sf?.fieldTimes['addresses[SHIPPING]']).not.toBeNull();
  });

  it('holdsSent: one of the addresses sent is what a one-address system can hold; another, or none, is not', () => {
    const sentList = [billing, shipping];
    expect(holdsSent('addresses', [{ ...billing, use: 'MAILING' }], sentList)).toBe(true);
    expect(holdsSent('addresses', [billing, shipping], sentList)).toBe(true);
    expect(holdsSent('addresses', [address('MAILING', 'Neuer Wall 9')], sentList)).toBe(false);
    expect(holdsSent('addresses', [], sentList)).toBe(false);
  });

  it('holdsSent: some of the emails or phones sent is what a system with fewer places holds; another is not', () => {
    const phones = [{ number: '+491' }, { number: '+492' }];
    expect(holdsSent('phones', [{ number: '+491' }], phones)).toBe(true);
    expect(holdsSent('phones', [{ number: '+493' }], phones)).toBe(false);
    expect(holdsSent('phones', [], phones)).toBe(false);
    const emails = [{ address: 'a@example.org' }, { address: 'b@example.org' }];
    expect(holdsSent('emails', [{ address: 'B@example.org ' }], emails)).toBe(true);
    expect(holdsSent('emails', [{ address: 'b@example.org' }, { address: 'c@example.org' }], emails)).toBe(
      false,
    );
    // The name: given and family name, what every system holds of the title, middle name and names sent.
    const sentName = { title: 'Dr.', givenName: 'Ada', middleName: 'Augusta', familyName: 'Lovelace' };
    expect(holdsSent('person', { givenName: 'Ada', familyName: 'Lovelace' }, sentName)).toBe(true);
    expect(holdsSent('person', { givenName: 'Ada', familyName: 'King' }, sentName)).toBe(false);
  });

  it('heldView: a one-address record holding one of the sent addresses is no write still on its way', () => {
    const sentRow = { fields: ['addresses'], vals: { addresses: [billing, shipping] } };
    const hubspot = org('hubspot', '501', [{ ...billing, use: 'MAILING' }], '2026-03-01T00:00:00Z');
    expect(heldView(hubspot, sentRow)).toBeNull();
    const behind = org('hubspot', '501', [address('MAILING', 'Altstraße 1')], '2026-03-01T00:00:00Z');
    expect(heldView(behind, sentRow)?.addresses).toEqual([billing, shipping]);
  });

  it("keeps a time per address use: an echo of one use is a copy of that use, a person's edit of another its own", () => {
    const sf = org('salesforce', '001A', [billing, shipping], '2026-03-01T00:00:00Z');
    const previous = { record: sf, fieldTimes: { addresses: '2026-03-01T00:00:00.000Z' } };
    const newBilling = address('BILLING', 'Neuer Wall 9');
    const echo = classify(
      update(
        'salesforce',
        '001A',
        { addresses: [newBilling] },
        ['addresses[BILLING].lines'],
        '2026-03-05T00:00:00Z',
        'x;client=eai-hub',
      ),
      previous,
      null,
      config.sync.systems.salesforce,
    );
    expect(echo.kind).toBe('echo');
    expect(echo.fieldTimes).toMatchObject({
      addresses: null,
      'addresses[BILLING]': null,
      'addresses[SHIPPING]': '2026-03-01T00:00:00.000Z',
    });
    const moved = address('SHIPPING', 'Hafenstraße 3', 'Kiel');
    const edit = classify(
      update(
        'salesforce',
        '001A',
        { addresses: [moved] },
        ['addresses[SHIPPING].lines'],
        '2026-03-06T00:00:00Z',
      ),
      { record: echo.record, fieldTimes: echo.fieldTimes },
      null,
      config.sync.systems.salesforce,
    );
    expect(edit.kind).toBe('edit');
    expect(edit.fieldTimes).toMatchObject({
      addresses: '2026-03-06T00:00:00.000Z',
      'addresses[BILLING]': null,
      'addresses[SHIPPING]': '2026-03-06T00:00:00.000Z',
    });
  });
});
