import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { ConnectorRuntime } from '../index.ts';
import { startRuntime } from '../runtime/test-support.ts';

type Customer = Record<string, unknown> & { customer: Record<string, unknown> };
function customerEvent(customerId: string, name: string, changeType = 'UPDATED'): Customer {
  const base = exampleJson('CustomerEvent') as Customer;
  // A snapshot (changedFields empty): every column of the row is the customer's, the name included.
  return {
    ...base,
    changeType,
    changedFields: [],
    customer: { ...base.customer, customerId, organizationName: name },
  };
}

/** The rows of a CSV file the sink wrote, as the hub's csv reader reads them. */
function rowsOf(path: string): Array<Record<string, unknown>> {
  const [document] = findReader('csv').parse(readFileSync(path));
  return (document!.tree as { rows: Array<Record<string, unknown>> }).rows;
}

describe('file-sink: canonical records as documents in a folder', () => {
  let bus: Awaited<ReturnType<typeof startRuntime>>['bus'];
  let runtime: ConnectorRuntime;
  const folders: string[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-file-sink-'));
    folders.push(dir);
    return dir;
  };

  beforeAll(async () => {
    ({ bus, runtime } = await startRuntime('/eai/tests/file-sink'));
  });
  afterAll(async () => {
    await runtime?.stop();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a CSV file per CustomerEvent through csv/customer-table; a redelivery overwrites its own file, a deleted customer is skipped', async () => {
    const topic = unique('customers-out');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish([
      {
        schema: 'CustomerEvent',
        topic,
        value: customerEvent('C-1', 'Anna Müller'),
        attributes: { id: 'c1' },
      },
      { schema: 'CustomerEvent', topic, value: customerEvent('C-2', 'Bo "Li"'), attributes: { id: 'c2' } },
      // The mapping writes no row for a deleted customer: nothing written, skipped.
      {
        schema: 'CustomerEvent',
        topic,
        value: customerEvent('C-3', 'Gone', 'DELETED'),
        attributes: { id: 'c3' },
      },
      // The first record again under its id, built anew (as a workflow step re-run): the same file, overwritten.
      {
        schema: 'CustomerEvent',
        topic,
        value: customerEvent('C-1', 'Anna Müller-Lang'),
        attributes: { id: 'c1' },
      },
    ]);
    await publisher.close();

    const dir = folder();
    const name = unique('customer-table');
    await runtime.put(
      {
        name,
        type: 'file-sink',
        topics: [topic],
        mapping: 'csv/customer-table.from-canonical.yaml',
        config: { dir, filePrefix: 'customers_' },
      },
      'test',
    );
    await waitFor('the sink caught up', async () => {
      const m = (await runtime.status(name))!.metrics;
      return m.recordsOut + m.recordsSkipped + m.recordsFailed === 4;
    });
    expect((await runtime.status(name))!.metrics).toMatchObject({
      recordsIn: 4,
      recordsOut: 3,
      recordsSkipped: 1,
      recordsFailed: 0,
    });
    const files = readdirSync(dir).sort();
    // Two files (C-1's twice delivered record is one), no temporary file left, no marker unasked.
    expect(files).toHaveLength(2);
    for (const file of files) expect(file).toMatch(/^customers_.+_[0-9a-f]{12}\.csv$/);
    const rows = files.flatMap((file) => rowsOf(join(dir, file)));
    expect(rows.map((r) => [r.id, r.name]).sort()).toEqual([
      ['C-1', 'Anna Müller-Lang'],
      ['C-2', 'Bo "Li"'],
    ]);
    expect(rows[0]).toMatchObject({ type: 'organization', city: 'Berlin', country: 'DE' });
  });

  it('writes a ready marker after each file when asked, with the extension named', async () => {
    const topic = unique('customers-marked');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish([{ schema: 'CustomerEvent', topic, value: customerEvent('C-7', 'Cy Marker') }]);
    await publisher.close();
    const dir = folder();
    const name = unique('customer-marked');
    await runtime.put(
      {
        name,
        type: 'file-sink',
        topics: [topic],
        mapping: 'csv/customer-table.from-canonical.yaml',
        config: { dir: join(dir, 'out'), extension: '.txt', readyMarker: true },
      },
      'test',
    );
    await waitFor('the record written', async () => (await runtime.status(name))!.metrics.recordsOut === 1);
    const files = readdirSync(join(dir, 'out')).sort();
    expect(files).toHaveLength(2);
    expect(files[1]).toBe(`${files[0]}.ready`);
    expect(files[0]).toMatch(/\.txt$/);
    expect(rowsOf(join(dir, 'out', files[0]!))[0]).toMatchObject({ id: 'C-7', name: 'Cy Marker' });
  });

  it('is refused without a mapping when written, naming the field; nothing is created', async () => {
    const name = unique('no-mapping');
    await expect(
      runtime.put(
        { name, type: 'file-sink', topics: ['canonical.customer'], config: { dir: folder() } },
        'test',
      ),
    ).rejects.toThrow(/mapping: required for file-sink/);
    expect(await runtime.status(name)).toBeUndefined();
  });

  it('a redelivered record that writes fewer documents leaves only its last delivery’s files (none when it writes none)', async () => {
    const dir = folder();
    // One JSON document per address of the customer; none for a deletion.
    const mapping = join(dir, 'addresses.from-canonical.yaml');
    writeFileSync(
      mapping,
      [
        'description: canonical CustomerEvent → one JSON document per address',
        'input: eai.canonical.CustomerEvent',
        'output: json',
        'fixtures: { inputs: fixtures, expected: expected }',
        'records: "changeType != \'DELETED\' ? customer.addresses"',
        'fields:',
        '  city: city',
      ].join('\n'),
    );
    const withCities = (cities: string[], changeType = 'UPDATED'): Customer => {
      const base = customerEvent('C-9', 'Multi Site AG', changeType);
      const addresses = cities.map((city) => ({
        use: 'SHIPPING',
        lines: ['Hafen 1'],
        city,
        countryCode: 'DE',
      }));
      return { ...base, customer: { ...base.customer, addresses } };
    };
    const topic = unique('customers-sites');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish(
      [
        // The same record (its id) delivered again with fewer addresses: 3 documents, then 1.
        [withCities(['Hamburg', 'Bremen', 'Kiel']), 's1'],
        [withCities(['Lübeck']), 's1'],
        // 2 documents, then the record writes none.
        [withCities(['Essen', 'Bonn']), 's2'],
        [withCities(['Essen'], 'DELETED'), 's2'],
      ].map(([value, id]) => ({ schema: 'CustomerEvent', topic, value, attributes: { id: id as string } })),
    );
    await publisher.close();
    const out = join(dir, 'out');
    const name = unique('customer-sites');
    await runtime.put(
      { name, type: 'file-sink', topics: [topic], mapping, config: { dir: out, readyMarker: true } },
      'test',
    );
    await waitFor('the sink caught up', async () => {
      const m = (await runtime.status(name))!.metrics;
      return m.recordsOut + m.recordsSkipped + m.recordsFailed === 4;
    });
    expect((await runtime.status(name))!.metrics).toMatchObject({ recordsOut: 3, recordsSkipped: 1 });
    // s1's last delivery: one document, under the bare name (the writer's extension), with its marker; s2: nothing.
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/_s1_[0-9a-f]{12}\.json$/);
    expect(files[1]).toBe(`${files[0]}.ready`);
    expect(JSON.parse(readFileSync(join(out, files[0]!), 'utf8'))).toEqual({ city: 'Lübeck' });
  });
});
