import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IncomingRecord, type RedriveOptions, redriveDeadLetters } from '../../bus/index.ts';
import { type MappingRedriveFixture, mappingRedriveFixture } from '../../tests/mapping-redrive-fixture.ts';

/**
 * A mapping dead letter redriven once its lookup table is fixed: the hub maps the kept bytes again through the
 * connector that refused them and publishes what maps to the connector's output topic, under the CloudEvents ids
 * the records would have had, in the redrive's transaction; a letter of one row publishes that row alone.
 */
describe('redriving mapping dead letters through the connector that refused them', () => {
  let f: MappingRedriveFixture;
  const header = (r: IncomingRecord, name: string) => r.headers[name]?.toString('utf8');
  const ids = (records: IncomingRecord[]) => records.map((r) => header(r, 'ce_id'));

  beforeAll(async () => {
    f = await mappingRedriveFixture('remap');
  }, 60_000);
  afterAll(async () => {
    await f?.close();
  });

  const redrive = (options: Partial<RedriveOptions> = {}) =>
    redriveDeadLetters(f.bus.transport, {
      topic: f.dlqTopic,
      selection: { filter: { owner: f.owner } },
      remapDocument: (letter, entry) => f.runtime.remapDocument(letter, entry),
      ...options,
    });

  // The failures as the bus reports them: the document's values between the marks (the admin API and the CLI show
  // an operator them plain, a viewer without them).
  it('before the fix: each letter still fails with the new error (what, where, which field); nothing is published, no letter added', async () => {
    const letters = await f.lettersNow();
    expect(letters).toHaveLength(3);
    expect(ids(await f.customers(2))).toEqual([`${f.ids.rows}:1`, `${f.ids.rows}:3`]);

    const result = await redrive();
    expect(result).toMatchObject({ selected: 3, redriven: 0, remapped: [], skipped: [], repeated: [] });
    const row = result.failing.find((x) => x.offset === f.letters.rows.offset)!;
    expect(row).toMatchObject({
      connector: f.name,
      error: {
        exceptionClass: 'MappingError',
        location: 'line 3',
        field: 'customer.addresses[0].countryCode',
        records: [2],
        message: expect.stringMatching(
          /customers\.to-canonical\.yaml: .*country \u2068AT\u2069 is not in the countries table/,
        ),
      },
    });
    expect(row.reason).toMatch(
      new RegExp(
        `^still does not map with connector ${f.name}'s current mapping \\(record 2\\): MappingError: .*nothing was published and the letter stays$`,
      ),
    );
    expect(result.failing.map((x) => x.offset).sort()).toEqual(
      [f.letters.rows.offset, f.letters.one.offset, f.letters.swiss.offset].sort(),
    );
    expect(ids(await f.customers())).toEqual([`${f.ids.rows}:1`, `${f.ids.rows}:3`]);
    expect(await f.lettersNow()).toHaveLength(3);
  });

  it('after the lookup table is fixed: a dry run says what maps now; the redrive publishes row 2 alone and the one-row table, once, under the ids they would have had', async () => {
    f.fix();
    const out = async () => (await f.runtime.status(f.name))!.metrics.recordsOut;
    const outBefore = await out();
    const dry = await redrive({ dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, selected: 3, redriven: 2, skipped: [] });
    expect(dry.remapped.map((r) => [r.offset, r.published.map((p) => p.id)]).sort()).toEqual(
      [
        [f.letters.rows.offset, [`${f.ids.rows}:2`]],
        [f.letters.one.offset, [f.ids.one]],
      ].sort(),
    );
    expect(dry.failing.map((x) => [x.offset, x.error.message])).toEqual([
      [
        f.letters.swiss.offset,
        expect.stringMatching(/country \u2068CH\u2069 is not in the countries table \(input line 2\)$/),
      ],
    ]);
    expect(await f.customers()).toHaveLength(2);
    expect(await out()).toBe(outBefore);

    const done = await redrive();
    // The connector published them (its mapping, its ids): counted in its records out once they are on Kafka.
    expect(await out()).toBe(outBefore + 2);
    expect(done).toMatchObject({ dryRun: false, selected: 3, redriven: 2, repeated: [], skipped: [] });
    expect(done.remapped).toEqual(dry.remapped);
    expect(done.failing).toHaveLength(1);
    const customers = await f.customers(4);
    // Rows 1 and 3 went out when the file came; the redrive adds row 2 and the other table, and nothing else.
    expect(ids(customers).slice(0, 2)).toEqual([`${f.ids.rows}:1`, `${f.ids.rows}:3`]);
    expect(ids(customers).slice(2).sort()).toEqual([`${f.ids.rows}:2`, f.ids.one].sort());
    const [first] = customers;
    const occurredAt = async (record: IncomingRecord) =>
      ((await f.bus.serde.decode(record.value!)).value as { occurredAt: Date }).occurredAt.toISOString();
    const received = await occurredAt(first!);
    for (const [record, letter, row] of [
      [customers.find((r) => header(r, 'ce_id') === `${f.ids.rows}:2`)!, f.letters.rows, 'Firm 2'],
      [customers.find((r) => header(r, 'ce_id') === f.ids.one)!, f.letters.one, 'Firm 4'],
    ] as const) {
      const decoded = await f.bus.serde.decode(record.value!);
      const value = decoded.value as {
        customer: { customerId: string; organizationName: string; addresses: Array<{ countryCode: string }> };
      };
      expect(decoded.schemaName).toBe('eai.canonical.CustomerEvent');
      expect(value.customer.organizationName).toBe(row);
      expect(value.customer.addresses[0]!.countryCode).toBe('AT');
      expect(record.key?.toString()).toBe(value.customer.customerId);
      // Mapped as it was received: row 2's time is its file's, as rows 1 and 3 have it.
      if (letter === f.letters.rows) expect(await occurredAt(record)).toBe(received);
      // As the connector publishes: the same source, type and correlation as the rows that went out at first.
      for (const name of ['ce_source', 'ce_type']) expect(header(record, name)).toBe(header(first!, name));
      expect(header(record, 'ce_correlationid')).toBe(header(record, 'ce_id')!.split(':')[0]);
      expect(header(record, 'eai.redriven-from')).toBe(`${f.dlqTopic}/${letter.partition}/${letter.offset}`);
    }
    // The one that still fails stays, and no letter was written for it again.
    expect(await f.lettersNow()).toHaveLength(3);
  });

  it('redriving the same letters again is reported as repeated, under the same ids (consumers de-duplicate)', async () => {
    const again = await redrive();
    expect(again.redriven).toBe(2);
    expect(again.repeated.map((r) => r.offset).sort()).toEqual(
      [f.letters.rows.offset, f.letters.one.offset].sort(),
    );
    const customers = ids(await f.customers(6));
    expect(customers).toHaveLength(6);
    expect(new Set(customers).size).toBe(4);
  });

  it('skips a letter whose connector this hub does not have, and one redriven without a hub, saying what to do', async () => {
    const noHub = await redrive({ remapDocument: undefined, dryRun: true });
    expect(noHub.skipped.find((s) => s.offset === f.letters.rows.offset)!.reason).toMatch(
      new RegExp(
        `^record 2 of a csv document whose other records were published: .* redrive it through the hub \\(POST /dead-letters/${f.dlqTopic}/redrive, or eai dlq redrive with --url and --token\\): it maps the document again with the current mapping of connector ${f.owner} and publishes that record alone`,
      ),
    );
    await f.runtime.remove(f.name);
    const gone = await redrive({ dryRun: true });
    expect(gone.redriven).toBe(0);
    expect(gone.skipped).toHaveLength(3);
    expect(gone.skipped[0]!.reason).toBe(
      `connector ${f.owner} is not one of this hub's (connect group ${f.runtime.group}: deleted, or another group's): redrive it through a hub of the connector's group, or have a connector of this one receive the document again`,
    );
  });
});
