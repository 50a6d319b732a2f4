import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DLQ_TOPICS, type IncomingRecord } from '../bus/index.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../connectors/index.ts';
import { findReader } from '../formats/index.ts';
import { testBus, unique } from './stack.ts';
import { waitFor } from './wait-for.ts';

/**
 * Mapping dead letters made the way a hub makes them, for redrive specs: a connector runtime on the real broker with
 * a file-source connector whose mapping (a copy of the shipped CSV customer table's, in a folder of its own) takes
 * each country from a lookup table beside it that knows only DE, so a row of another country does not map. Three
 * files are dropped and read:
 * - `rows`: a table of three rows, the second AT: rows 1 and 3 published (`<id>:1`, `<id>:3`), row 2 dead-lettered
 *   alone (`eai.record.index` 2);
 * - `one`: a table of one row, AT: dead-lettered whole (a document of one record);
 * - `swiss`: a table of one row, CH: dead-lettered whole, and still after `fix()`.
 * `fix()` adds AT to the lookup table (the connector keeps running). The customers go to a topic of their own. No
 * row has a creation date, so each customer's `occurredAt` is when the hub received its file (`$doc.receivedAt`).
 */
export interface MappingRedriveFixture {
  runtime: ConnectorRuntime;
  bus: ReturnType<typeof testBus>;
  /** The connector. */
  name: string;
  /** What its letters are signed with: the connector of the runtime's connect group (`connectorKey`). */
  owner: string;
  customerTopic: string;
  dlqTopic: string;
  /** The CloudEvents (document) id of each file's table. */
  ids: { rows: string; one: string; swiss: string };
  /** Where each file's letter is in `dlqTopic`. */
  letters: { rows: LetterAt; one: LetterAt; swiss: LetterAt };
  /**
   * Every committed record on `customerTopic`, in order, once there are at least `atLeast` (default 0): a transaction's
   * commit markers are written after its producer is told it committed, so its records show a moment later.
   */
  customers(atLeast?: number): Promise<IncomingRecord[]>;
  /** The connector's letters in `dlqTopic` now. */
  lettersNow(): Promise<IncomingRecord[]>;
  /** Adds AT to the connector's country table. */
  fix(): void;
  close(): Promise<void>;
}

export interface LetterAt {
  partition: number;
  offset: string;
}

const HEADER = 'Customer ID,Name,Email,Country,Created At';

/** The shipped customer table mapping, its country read strictly from the `countries` table beside it. */
function writeMapping(dir: string): string {
  const shipped = readFileSync(
    new URL('../mappings/csv/customer-table.to-canonical.yaml', import.meta.url),
    'utf8',
  );
  const loose = '      countryCode: $countryCode(country)\n';
  if (!shipped.includes(loose))
    throw new Error('the shipped CSV mapping no longer reads countries as this fixture expects');
  const strict = [
    '      countryCode: >-',
    "        ($c := $lookup('countries', $uppercase($trim(country))); $c ? $c : $error('country ' & country & ' is not in the countries table'))",
    '',
  ].join('\n');
  mkdirSync(join(dir, 'lookups'));
  writeFileSync(join(dir, 'lookups', 'countries.yaml'), '"DE": "DE"\n');
  const file = join(dir, 'customers.to-canonical.yaml');
  writeFileSync(file, shipped.replace(loose, strict));
  return file;
}

/** Every committed record of a topic (all partitions) from its start to its end now. */
async function readAll(bus: ReturnType<typeof testBus>, topic: string): Promise<IncomingRecord[]> {
  const admin = bus.transport.admin();
  await admin.connect();
  const offsets = await admin.topicOffsets(topic).finally(() => admin.disconnect());
  const records: IncomingRecord[] = [];
  await bus.transport.readRanges({
    topic,
    ranges: offsets.map((o) => ({ partition: o.partition, fromOffset: o.low, toOffset: o.high })),
    eachRecord: async (record) => {
      records.push(record);
      return undefined;
    },
  });
  return records;
}

export async function mappingRedriveFixture(prefix: string): Promise<MappingRedriveFixture> {
  const bus = testBus(`/eai/tests/${prefix}`);
  const customerTopic = unique(`${prefix}-customers`);
  const dlqTopic = DLQ_TOPICS.mapping;
  await bus.provisionTopics([{ topic: customerTopic, partitions: 1 }]);
  const runtime = new ConnectorRuntime({
    bus,
    plugins: builtinPlugins,
    logger: pino({ level: 'silent' }),
    group: unique(`${prefix}-connect`),
    canonicalTopics: { 'eai.canonical.CustomerEvent': customerTopic },
  });
  await runtime.start();
  const home = mkdtempSync(join(tmpdir(), `eai-${prefix}-`));
  const mappingDir = join(home, 'mapping');
  mkdirSync(mappingDir);
  const mapping = writeMapping(mappingDir);
  const drop = join(home, 'drop');
  mkdirSync(drop);
  const name = unique(prefix);
  const owner = connectorKey(name, runtime.group);
  await runtime.put(
    { name, type: 'file-source', format: 'csv', mapping, config: { dir: drop, stableMs: 50 } },
    'test',
  );
  const run = Date.now().toString(36);
  const table = (rows: Array<[number, string]>) =>
    Buffer.from(
      `${[HEADER, ...rows.map(([n, country]) => `${run}-${n},Firm ${n},c${n}@example.com,${country},`)].join('\n')}\n`,
    );
  const files = {
    rows: table([
      [1, 'DE'],
      [2, 'AT'],
      [3, 'DE'],
    ]),
    one: table([[4, 'AT']]),
    swiss: table([[5, 'CH']]),
  };
  const ids = {
    rows: findReader('csv').parse(files.rows)[0]!.id,
    one: findReader('csv').parse(files.one)[0]!.id,
    swiss: findReader('csv').parse(files.swiss)[0]!.id,
  };
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(drop, `${file}.csv`), bytes);
  const moved = (file: string) =>
    existsSync(join(drop, 'done', `${file}.csv`)) || existsSync(join(drop, 'error', `${file}.csv`));
  await waitFor('the three files read', () => Object.keys(files).every(moved));

  const lettersNow = async () =>
    (await readAll(bus, dlqTopic)).filter(
      (r) => r.headers['__connect.errors.connector.name']?.toString() === owner,
    );
  let found: IncomingRecord[] = [];
  await waitFor('the three letters', async () => {
    found = await lettersNow();
    return found.length >= 3;
  });
  const letterOf = (id: string): LetterAt => {
    const letter = found.find((r) => r.headers['eai.document.id']?.toString() === id);
    if (!letter) throw new Error(`no letter of document ${id} among ${found.length}`);
    return { partition: letter.partition, offset: letter.offset };
  };
  return {
    runtime,
    bus,
    name,
    owner,
    customerTopic,
    dlqTopic,
    ids,
    letters: { rows: letterOf(ids.rows), one: letterOf(ids.one), swiss: letterOf(ids.swiss) },
    async customers(atLeast = 0) {
      let records: IncomingRecord[] = [];
      await waitFor(`${atLeast} records on ${customerTopic}`, async () => {
        records = await readAll(bus, customerTopic);
        return records.length >= atLeast;
      });
      return records;
    },
    lettersNow,
    fix: () => writeFileSync(join(mappingDir, 'lookups', 'countries.yaml'), '"DE": "DE"\n"AT": "AT"\n'),
    close: () => runtime.stop(),
  };
}
