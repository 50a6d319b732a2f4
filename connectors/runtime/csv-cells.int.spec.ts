import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { readRawMessages, topicEnds } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../index.ts';

/**
 * A CSV customer export whose row 3 has a cell too many (a stray comma) and row 4 one too few (its last cell cut),
 * through a drop folder connector: the reader cannot read those two rows, but the table is not refused for them.
 * Rows 1, 2 and 5 reach canonical.customer under the ids they have when every row maps; rows 3 and 4 each go to
 * dlq.mapping alone, naming their line; the file is done, not an error.
 */
describe('a CSV export with rows of the wrong number of cells, through a file-source connector', () => {
  const bus = testBus('/eai/tests/csv-cells');
  let runtime: ConnectorRuntime;

  beforeAll(async () => {
    await bus.provisionTopics();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger: pino({ level: 'silent' }),
      group: unique('connect-csv-cells'),
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('publishes rows 1, 2 and 5 as <doc>:1, :2, :5 and dead-letters rows 3 and 4 alone with their lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-drop-csv-cells-'));
    const run = Date.now().toString(36);
    const rows = [1, 2, 3, 4, 5].map((n) => {
      const cells = [`${run}-${n}`, `Firm ${n}`, `c${n}@example.com`, 'DE', '2024-01-15'];
      if (n === 3) cells.splice(2, 0, 'Sales'); // a stray delimiter: 6 cells
      if (n === 4) cells.pop(); // the date cut off: 4 cells
      return cells.join(',');
    });
    const bytes = Buffer.from(`Customer ID,Name,Email,Country,Created At\n${rows.join('\n')}\n`);
    const id = findReader('csv').parse(bytes)[0]!.id;
    const name = unique('csv-cells');
    const [customersFrom, lettersFrom] = await Promise.all([
      topicEnds('canonical.customer'),
      topicEnds('dlq.mapping'),
    ]);
    await runtime.put(
      {
        name,
        type: 'file-source',
        format: 'csv',
        mapping: 'csv/customer-table.to-canonical.yaml',
        config: { dir, stableMs: 50 },
      },
      'test',
    );
    writeFileSync(join(dir, 'customers.csv'), bytes);
    await waitFor('the file in done/', () => existsSync(join(dir, 'done', 'customers.csv')));
    expect(existsSync(join(dir, 'error')) ? readdirSync(join(dir, 'error')) : []).toEqual([]);

    const published = await readRawMessages('canonical.customer', 3, {
      wanted: (m) => m.headers.ce_correlationid === id,
      from: customersFrom,
    });
    expect(published.map((m) => [m.key, m.headers.ce_id]).sort()).toEqual(
      [1, 2, 5].map((n) => [`csv:${run}-${n}`, `${id}:${n}`]),
    );
    const letters = await readRawMessages('dlq.mapping', 2, {
      wanted: (m) => m.headers['__connect.errors.connector.name'] === connectorKey(name, runtime.group),
      from: lettersFrom,
    });
    const byRecord = letters.sort((a, b) =>
      a.headers['eai.record.index']!.localeCompare(b.headers['eai.record.index']!),
    );
    for (const letter of byRecord) expect(letter.value.equals(bytes)).toBe(true);
    expect(byRecord.map((l) => l.key)).toEqual([`${id}:3`, `${id}:4`]);
    expect(byRecord[0]!.headers).toMatchObject({
      'eai.record.index': '3',
      'eai.record.count': '5',
      'eai.error.location': 'line 4',
      '__connect.errors.exception.message': 'csv: line 4: 6 cells where the header names 5 columns',
    });
    expect(byRecord[1]!.headers).toMatchObject({
      'eai.record.index': '4',
      'eai.record.count': '5',
      'eai.error.location': 'line 5',
      '__connect.errors.exception.message': 'csv: line 5: 4 cells where the header names 5 columns',
    });
    // No output field: the row was never mapped.
    expect(byRecord[0]!.headers).not.toHaveProperty('eai.error.field');
    expect((await runtime.status(name))!.metrics).toMatchObject({
      recordsIn: 1,
      recordsOut: 3,
      recordsFailed: 2,
    });
    await runtime.remove(name);
  });
});
