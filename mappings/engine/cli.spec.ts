import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readers } from '../../formats/index.ts';
import { runEaiInProcess } from '../../tests/run-eai-in-process.ts';
import { mappingsDir as shippedDir, shippedInboundMapping } from '../index.ts';
import { checkCommand, formatsCommand, mapCommand, testCommand } from './cli.ts';
import type { ErrorLine } from './errors.ts';

const run = promisify(execFile);

/** The real CLI in a child process whose heap is capped: a document that needs more memory crashes it. */
async function eaiMap(args: string[]) {
  const started = performance.now();
  const result = await run(process.execPath, ['--max-old-space-size=1024', 'cli/eai.js', 'map', ...args], {
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, EAI_LOG_LEVEL: 'warn' },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

describe('eai map on broken documents', () => {
  const alsoGood = new Set([
    'x12-850/message-type-856.edi',
    'x12-850/interchange-850-and-856-groups.edi',
    'x12-850/second-set-se-count-off.edi',
    'x12-850/second-set-po103-not-a-unit.edi',
    'edifact-orders/messages-unt-count-and-reference-off.edi',
    'salesforce-cdc/entity-without-mapping.jsonl',
    'shopify-order/orders-page-order-without-id.json',
  ]);
  for (const reader of readers) {
    const dir = `formats/${reader.name}/fixtures/broken`;
    for (const file of readdirSync(dir)) {
      it(`${reader.name}/broken/${file}: exit status 1 and a located error, fast`, async () => {
        // CPU time, the work the two runs cost: wall time at load 15 was 11 s for much less of it.
        const started = process.cpuUsage();
        const heapBefore = process.memoryUsage().heapUsed;
        // A format read by no mapping by default (csv) is read with its shipped one, named.
        const mapping = shippedInboundMapping(reader.name).file;
        const text = await mapCommand({ format: reader.name, input: join(dir, file), mapping });
        const json = await mapCommand({ format: reader.name, input: join(dir, file), mapping, json: true });
        const cpu = process.cpuUsage(started);
        expect((cpu.user + cpu.system) / 1000).toBeLessThan(10_000);
        expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
        expect(text.code).toBe(1);
        // A broken file that also holds a good document (an 856 set after an 850 one) maps that one.
        if (alsoGood.has(`${reader.name}/${file}`)) expect(JSON.parse(text.stdout)).toHaveLength(1);
        else expect(text.stdout).toBe('');
        // One line per document refused (a file of two change events that are no objects: two), each located.
        const { errors } = JSON.parse(json.stderr) as { errors: ErrorLine[] };
        const lines = text.stderr.trim().split('\n');
        expect(lines).toHaveLength(errors.length);
        errors.forEach((error, i) => {
          expect(error.error).toMatch(/FormatError|MappingError/);
          expect(error.location, text.stderr).toBeTruthy();
          expect(lines[i]).toContain(error.location!);
        });
      });
    }
  }

  it('a top-level field the document lacks (EDIFACT ORDERS without CUX) names the message it is missing from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-no-cux-'));
    try {
      const original = readFileSync('formats/edifact-orders/fixtures/bom-free-text-35-cut.edi', 'utf8');
      const segments = original.split("'").filter((segment) => !segment.trim().startsWith('CUX'));
      const text = segments.join("'").replace(/UNT\+(\d+)\+/, (_, n: string) => `UNT+${Number(n) - 1}+`);
      writeFileSync(join(dir, 'no-cux.edi'), text);
      const result = await mapCommand({ format: 'edifact-orders', input: join(dir, 'no-cux.edi') });
      expect(result.code).toBe(1);
      // What is missing and what to add, and where: the mapping's own words (its `$error`), the message located.
      expect(result.stderr).toMatch(
        /let\.currency: the order states prices \(PRI\) or amounts \(MOA\) but no currency: .*add a CUX segment .* \(input UNB#1\/UNH#1\/BGM \(segment \d+, line \d+\)\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a real process: exit status 1 and the error on stderr, nothing on stdout', async () => {
    const result = await eaiMap([
      '--format',
      'sap-idoc-orders05',
      '--input',
      'formats/sap-idoc-orders05/fixtures/broken/non-numeric-quantity.xml',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/E1EDP01.*MENGE/);
  });

  describe('a document over the 8 MiB limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-large-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const largeFile = async (format: string, bytes: number) => {
      const { makeLargeDocument } = (await import(`../../formats/${format}/fixtures/large.ts`)) as {
        makeLargeDocument: (bytes: number) => Buffer;
      };
      const input = join(dir, `${format}.large`);
      writeFileSync(input, makeLargeDocument(bytes));
      return input;
    };
    const limitMessage = (format: string) =>
      new RegExp(
        `^${format}: byte 8388608: document is \\d+ bytes(; the limit is 8388608 bytes \\(8 MiB\\)|, over the 8388608-byte limit for one document: split the interchange or raise maxBytes)$`,
      );
    for (const reader of readers) {
      // Every reader refuses a document over 8 MiB before reading it, so one twice that is refused, never mapped. The
      // command in this process, as the broken documents above (a child process per reader was 17 Node starts, and
      // building 50 MB 17 times as long again): the work it did is the CPU time and the heap it grew by; the process,
      // capped, with 50 MB, is the test after this loop.
      it(`${reader.name}: 16 MiB refused at the 8 MiB limit with exit status 1, within 10 s of CPU and 256 MB of heap`, async () => {
        const input = await largeFile(reader.name, 16 * 1024 * 1024);
        const mapping = shippedInboundMapping(reader.name).file;
        const started = process.cpuUsage();
        const heapBefore = process.memoryUsage().heapUsed;
        const result = await mapCommand({ format: reader.name, input, mapping, json: true });
        const cpu = process.cpuUsage(started);
        expect((cpu.user + cpu.system) / 1000).toBeLessThan(10_000);
        expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        const errors = (JSON.parse(result.stderr) as { errors: ErrorLine[] }).errors;
        expect(errors).toHaveLength(1);
        expect(errors[0]!.message).toMatch(limitMessage(reader.name));
      }, 30_000);
    }

    // The real process, its heap capped at 1 GB (a document that needs more memory crashes it), and 50 MB: what a
    // user's `eai map` of a too large interchange does, start to exit.
    it('50 MB in a process capped at 1 GB of heap (x12-850): refused at the 8 MiB limit with exit status 1, within 10 s', async () => {
      const input = await largeFile('x12-850', 50_000_000);
      const mapping = shippedInboundMapping('x12-850').file;
      const result = await eaiMap(['--format', 'x12-850', '--input', input, '--mapping', mapping, '--json']);
      expect(result.seconds).toBeLessThan(10);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const errors = (JSON.parse(result.stderr) as { errors: ErrorLine[] }).errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(limitMessage('x12-850'));
    }, 30_000);
  });
});

/**
 * A file of several documents where one is broken: `eai map` maps the others (their records on stdout), gives one line
 * per broken document naming it, and exits 1; `--json` gives one object per document. A broken envelope still fails
 * the whole file with one line.
 */
describe('eai map on a file of several documents, one of them broken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eai-map-each-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** The fixture with `from` replaced by `to` after `after` only, written to a file of the temporary folder. */
  function brokenCopy(path: string, after: string, from: string, to: string): string {
    const text = readFileSync(`formats/${path}`, 'utf8');
    const at = text.indexOf(after);
    const tail = text.slice(at).replace(from, to);
    expect(at).toBeGreaterThan(0);
    expect(tail).not.toBe(text.slice(at));
    const input = join(dir, path.replaceAll('/', '-'));
    writeFileSync(input, text.slice(0, at) + tail);
    return input;
  }
  const cases = [
    {
      format: 'x12-850',
      input: () => brokenCopy('x12-850/fixtures/several-st-sets.edi', 'ST*850*0002', '20240311', '20240230'),
      good: '000004711/0001',
      line: /^document 2 of 2 \(000004711\/0002\): x12-850: ISA#1\/GS#1\/ST#2\/BEG .*BEG05 .?"20240230".?: February has no day 30$/,
    },
    {
      format: 'edifact-orders',
      input: () =>
        brokenCopy(
          'edifact-orders/fixtures/ung-group-several-messages.edi',
          'UNH+ORD-6',
          'QTY+21:24:PCE',
          'QTY+21:twelve:PCE',
        ),
      good: '10042/ORD-5',
      line: /^document 2 of 2 \(10042\/ORD-6\): edifact-orders: UNB#1\/UNG#1\/UNH#2\/LIN#1\/QTY .*QTY01\.2 must be numeric, found .?"twelve".?$/,
    },
    {
      format: 'sap-idoc-orders05',
      input: () =>
        brokenCopy(
          'sap-idoc-orders05/fixtures/several-idocs.xml',
          '<DOCNUM>0000000000410002',
          '<MENGE>1</MENGE>',
          '<MENGE>one</MENGE>',
        ),
      good: '0000000000410001',
      line: /^document 2 of 2 \(0000000000410002\): sap-idoc-orders05: .*IDOC\[2\]\/E1EDP01.*MENGE/,
    },
  ];

  it.each(cases)('$format: maps the good one, one line for the broken one, exit 1', async (c) => {
    const input = c.input();
    const text = await mapCommand({ format: c.format, input });
    expect(text.code).toBe(1);
    const lines = text.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(c.line);
    const records = JSON.parse(text.stdout) as unknown[];
    expect(records.length).toBeGreaterThan(0);
    // The good document's records are those it maps to alone.
    const json = await mapCommand({ format: c.format, input, json: true });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual(records);
    const report = JSON.parse(json.stderr) as {
      errors: Array<ErrorLine & { document: number; id: string }>;
      documents: Array<{ document: number; id: string; ok: boolean; error?: ErrorLine }>;
    };
    expect(report.documents.map((d) => [d.document, d.ok])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(report.documents[0]!.id).toBe(c.good);
    expect(report.documents[1]!.error!.error).toBe('FormatError');
    expect(report.documents[1]!.error!.location).toBeTruthy();
    expect(report.errors).toEqual([
      { ...report.documents[1]!.error, document: 2, id: report.documents[1]!.id },
    ]);
  });

  it('a document its mapping cannot map is reported the same way, naming the field', async () => {
    // The second message without its CUX (and its UNT count one less): read, but no currency to map.
    const text = readFileSync('formats/edifact-orders/fixtures/ung-group-several-messages.edi', 'utf8');
    const input = join(dir, 'second-without-cux.edi');
    writeFileSync(input, text.replace("CUX+2:CHF:9'\n", '').replace('UNT+38+ORD-6', 'UNT+37+ORD-6'));
    const json = await mapCommand({ format: 'edifact-orders', input, json: true });
    expect(json.code).toBe(1);
    const { errors } = JSON.parse(json.stderr) as { errors: Array<ErrorLine & { document: number }> };
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      error: 'MappingError',
      document: 2,
      id: '10042/ORD-6',
    });
    expect(errors[0]!.message).toContain(
      'let.currency: the order states prices (PRI) or amounts (MOA) but no currency',
    );
    expect(errors[0]).toMatchObject({ field: 'let.currency' });
    expect(JSON.parse(json.stdout)).toHaveLength(1);
  });

  it('a broken envelope (a segment where the IEA belongs) still fails the whole file with one line and nothing on stdout', async () => {
    const input = brokenCopy('x12-850/fixtures/several-st-sets.edi', 'SE*23*0002', 'IEA*1*', 'XYZ*1*');
    const result = await mapCommand({ format: 'x12-850', input });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/expected GS or IEA, found XYZ/);
  });

  it("a set's SE count off refuses that set alone: the other set's records come out", async () => {
    const input = brokenCopy(
      'x12-850/fixtures/several-st-sets.edi',
      'ST*850*0002',
      'SE*23*0002',
      'SE*22*0002',
    );
    const result = await mapCommand({ format: 'x12-850', input });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
    expect(result.stderr).toMatch(/^document 2 of 2 \(000004711\/0002\): .*SE01 says "22"/);
  });

  it("a message's UNT count off refuses that message alone, as an SE count its set: the other message's records come out", async () => {
    const input = brokenCopy(
      'edifact-orders/fixtures/ung-group-several-messages.edi',
      'UNH+ORD-6',
      'UNT+38+ORD-6',
      'UNT+37+ORD-6',
    );
    const result = await mapCommand({ format: 'edifact-orders', input });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
    expect(result.stderr).toMatch(/^document 2 of 2 \(10042\/ORD-6\): .*UNT01 says "37"/);
  });

  it('the eai process exits 1 with the good records on stdout', async () => {
    const result = await eaiMap(['--format', 'x12-850', '--input', cases[0]!.input()]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).length).toBeGreaterThan(0);
    expect(result.stderr.trim()).toMatch(cases[0]!.line);
  });
});

describe('eai map on documents that yield no canonical record', () => {
  it('prints [] only with a note on stderr naming the document and the mapping, exit status 0', async () => {
    const input = 'formats/epcis-2/fixtures/aggregation-event-sscc.json';
    const text = await mapCommand({ format: 'epcis-2', input });
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('[]\n');
    expect(text.stderr).toMatch(
      /^eai map: no canonical record: mappings\/logistics\/epcis-2\.to-canonical\.yaml selects nothing from EPCISDocument \S+/,
    );
    const json = await mapCommand({ format: 'epcis-2', input, json: true });
    expect(JSON.parse(json.stderr)).toMatchObject({
      warnings: [{ warning: 'NoCanonicalRecord', location: input }],
    });
  });

  it('a Salesforce Case change is mapped by the one shipped mapping of its entity (case-cdc), with no --mapping', async () => {
    const input = 'formats/salesforce-cdc/fixtures/pubsub-case-create.json';
    const text = await mapCommand({ format: 'salesforce-cdc', input });
    expect(text.code, text.stderr).toBe(0);
    expect(JSON.parse(text.stdout)).toMatchObject([{ schema: 'eai.canonical.CaseEvent' }]);
    // Its unused values are counted for the mapping that read it.
    expect(text.stderr).toMatch(
      /^eai map: \d+ of \d+ input values were used by no expression of \S*case-cdc/,
    );
    // As the CLI runs it, the format detected from the file.
    const cli = await runEaiInProcess(['map', input, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(JSON.parse(text.stdout));
    // --mapping names one mapping for all: the customer one makes none of the Case, and says which does.
    const named = await mapCommand({
      format: 'salesforce-cdc',
      input,
      mapping: 'mappings/salesforce/cdc.to-canonical.yaml',
    });
    expect(named.code).toBe(1);
    expect(named.stdout).toBe('');
    expect(named.stderr).toBe(
      `mappings/salesforce/cdc.to-canonical.yaml makes no record of Case ${/Case ([^\s;]+)/.exec(named.stderr)?.[1]}; another shipped mapping maps it: eai map --mapping mappings/salesforce/case-cdc.to-canonical.yaml ${input}\n`,
    );
    const epcis = await mapCommand({
      format: 'epcis-2',
      input: 'formats/epcis-2/fixtures/aggregation-event-sscc.json',
    });
    expect(epcis.stderr).toContain('(read with --tree what it holds)');
  });

  it('a change event several mappings of the catalog map is not mapped: one line naming them, exit 1', async () => {
    // A catalog with a second Case mapping beside case-cdc (a partner's copy, read only by name as case-cdc is).
    const catalog = mkdtempSync(join(tmpdir(), 'eai-map-two-case-'));
    cpSync(shippedDir, catalog, {
      recursive: true,
      filter: (path) => !/[/\\](engine|node_modules)$/.test(path) && !/\.spec\.ts$/.test(path),
    });
    const copy = readFileSync(join(shippedDir, 'salesforce/case-cdc.to-canonical.yaml'), 'utf8');
    writeFileSync(join(catalog, 'salesforce/case-copy.to-canonical.yaml'), copy);
    try {
      const input = 'formats/salesforce-cdc/fixtures/pubsub-case-create.json';
      const text = await mapCommand({ format: 'salesforce-cdc', input, catalog });
      expect(text.code).toBe(1);
      expect(text.stdout).toBe('');
      const lines = text.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /cdc\.to-canonical\.yaml makes no record of Case \S+; 2 other shipped mappings map it \(\S*case-cdc\.to-canonical\.yaml, \S*case-copy\.to-canonical\.yaml\): name one: eai map --mapping \S*case-cdc\.to-canonical\.yaml formats\/salesforce-cdc\/fixtures\/pubsub-case-create\.json$/,
      );
      // An Account's change beside it is still mapped by the customer mapping, the Case named.
      const mixed = await mapCommand({
        format: 'salesforce-cdc',
        input: 'formats/salesforce-cdc/fixtures/account-and-case-events.json',
        catalog,
      });
      expect(mixed.code).toBe(1);
      expect(JSON.parse(mixed.stdout)).toMatchObject([{ schema: 'eai.canonical.CustomerEvent' }]);
      expect(mixed.stderr).toMatch(/^document 2 of 2 \(\S+\): .*2 other shipped mappings map it/);
    } finally {
      rmSync(catalog, { recursive: true, force: true });
    }
  });

  it('maps the events of a change-event file its mapping reads and names each other one: exit 1', async () => {
    // An Opportunity change beside a Contact's (its reader refuses it alone), an Account's beside a Case's (the
    // customer mapping makes no record of the Case): the other events' records come out.
    const opportunity = await mapCommand({
      format: 'salesforce-cdc',
      input: 'formats/salesforce-cdc/fixtures/broken/entity-without-mapping.jsonl',
    });
    expect(opportunity.code).toBe(1);
    expect(JSON.parse(opportunity.stdout)).toMatchObject([{ key: 'salesforce:003RM000004aBcDYAU' }]);
    expect(opportunity.stderr).toMatch(
      /^document 2 of 2 \(0007dd00-0000-0000-0000-000000000009:1\): salesforce-cdc: \/1\/data\/payload\/ChangeEventHeader\/entityName: entity .?"Opportunity".?: no mapping reads its change events/,
    );
    // An Account's change beside a Case's: each mapped by the mapping of its entity, no unused-values count (it
    // counts for one mapping).
    const input = 'formats/salesforce-cdc/fixtures/account-and-case-events.json';
    const text = await mapCommand({ format: 'salesforce-cdc', input });
    expect(text.code, text.stderr).toBe(0);
    expect(JSON.parse(text.stdout)).toMatchObject([
      { schema: 'eai.canonical.CustomerEvent' },
      { schema: 'eai.canonical.CaseEvent' },
    ]);
    expect(text.stderr).toBe('');
    // The customer mapping named: the Case not mapped, and the mapping that maps it named.
    const customers = await mapCommand({
      format: 'salesforce-cdc',
      input,
      mapping: 'mappings/salesforce/cdc.to-canonical.yaml',
    });
    expect(customers.code).toBe(1);
    expect(JSON.parse(customers.stdout)).toMatchObject([{ schema: 'eai.canonical.CustomerEvent' }]);
    expect(customers.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^document 2 of 2 \(\S+\): mappings\/salesforce\/cdc\.to-canonical\.yaml makes no record of Case \S+; another shipped mapping maps it: eai map --mapping mappings\/salesforce\/case-cdc\.to-canonical\.yaml /,
      ),
    ]);
    const json = await mapCommand({
      format: 'salesforce-cdc',
      input,
      mapping: 'mappings/salesforce/cdc.to-canonical.yaml',
      json: true,
    });
    expect(JSON.parse(json.stderr)).toMatchObject({
      errors: [{ error: 'NotMapped', document: 2 }],
      documents: [
        { document: 1, kind: 'Account', ok: true, records: 1 },
        { document: 2, kind: 'Case', ok: false, records: 0, error: { error: 'NotMapped' } },
      ],
    });
    // The Case mapping named: the Case's record, and the Account's change named as the other mapping's.
    const cases = await mapCommand({
      format: 'salesforce-cdc',
      input,
      mapping: 'mappings/salesforce/case-cdc.to-canonical.yaml',
    });
    expect(JSON.parse(cases.stdout)).toMatchObject([{ schema: 'eai.canonical.CaseEvent' }]);
    expect(cases.stderr).toMatch(
      /makes no record of Account .*--mapping mappings\/salesforce\/cdc\.to-canonical\.yaml/,
    );
  });

  it('gives no such note when records come out (an EPCIS TransactionEvent of a shipment)', async () => {
    const input = 'formats/epcis-2/fixtures/transaction-event-shipping-po.json';
    const result = await mapCommand({ format: 'epcis-2', input });
    expect(result.stderr).not.toMatch(/no canonical record/);
    expect(result.stderr).toMatch(/^eai map: \d+ of \d+ input values were used by no expression/);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
  });
});

describe('eai map <file>', () => {
  it('maps each set of an interchange of 850 and 856 groups with the reader of its type, and names a set no reader reads', async () => {
    const input = 'formats/x12-850/fixtures/broken/interchange-850-and-856-groups.edi';
    const both = await runEaiInProcess(['map', input, '--json']);
    expect(both.code, both.stderr).toBe(0);
    expect((JSON.parse(both.stdout) as Array<{ schema: string }>).map((r) => r.schema)).toEqual([
      'eai.canonical.SalesOrderEvent',
      'eai.canonical.ShipmentEvent',
    ]);
    // --format names one reader: the other type's set is refused alone, as before.
    const one = await runEaiInProcess(['map', input, '--format', 'x12-850']);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(
      /^document 2 of 2 \(000004711\/0001\): x12-850: .*message type "856" \(ST01\) is not x12-850/,
    );
    // An 856 set that its own reader refuses is named by that reader, not as "not x12-850".
    const broken = await runEaiInProcess(['map', 'formats/x12-850/fixtures/broken/message-type-856.edi']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^document 2 of 2 \(000004711\/0002\): x12-856: .*missing mandatory segment BSN/,
    );
  });

  it('maps an 856 group that starts past the first 64 KB with its own reader too', async () => {
    // Trial: the other types were looked for in the file's first 64 KB alone, so after 120 orders the ship notice was
    // refused as "not x12-850". Now the 850 reader's refusal names its type (ST01 856), wherever it stands.
    const text = readFileSync('formats/x12-850/fixtures/broken/interchange-850-and-856-groups.edi', 'latin1');
    const set = text.slice(text.indexOf('ST*850*0001~'), text.indexOf('GE*1*103~'));
    const sets = Array.from({ length: 120 }, (_, i) => {
      const number = String(i + 1).padStart(4, '0');
      return set.replace('ST*850*0001~', `ST*850*${number}~`).replace('SE*23*0001~', `SE*23*${number}~`);
    });
    const big = text.replace(`${set}GE*1*103~`, `${sets.join('')}GE*120*103~`);
    expect(big.indexOf('GS*SH')).toBeGreaterThan(64 * 1024);
    const dir = mkdtempSync(join(tmpdir(), 'eai-map-late-856-'));
    try {
      const input = join(dir, 'orders-and-asn.edi');
      writeFileSync(input, big, 'latin1');
      const result = await runEaiInProcess(['map', input, '--json']);
      expect(result.code, result.stderr).toBe(0);
      const schemas = (JSON.parse(result.stdout) as Array<{ schema: string }>).map((r) => r.schema);
      expect(schemas.filter((schema) => schema === 'eai.canonical.SalesOrderEvent')).toHaveLength(120);
      expect(schemas.at(-1)).toBe('eai.canonical.ShipmentEvent');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the format from the envelope when none is given (X12, EDIFACT, IDoc, EPCIS, Salesforce CDC)', async () => {
    const idoc = await runEaiInProcess([
      'map',
      'formats/sap-idoc-orders05/fixtures/ordrsp-confirmation.xml',
      '--json',
    ]);
    expect(idoc.code, idoc.stderr).toBe(0);
    expect((JSON.parse(idoc.stdout) as Array<{ schema: string }>)[0]?.schema).toBe(
      'eai.canonical.SalesOrderEvent',
    );
    const asn = await runEaiInProcess([
      'map',
      'formats/x12-856/fixtures/hl-order-without-parent.edi',
      '--json',
    ]);
    expect(asn.code, asn.stderr).toBe(0);
    expect((JSON.parse(asn.stdout) as Array<{ schema: string }>)[0]?.schema).toBe(
      'eai.canonical.ShipmentEvent',
    );
  });

  it('asks for --format in one line when the document does not name it, and for one document when given two', async () => {
    const shopify = await runEaiInProcess([
      'map',
      'formats/shopify-order/fixtures/engraved-line-item-properties.json',
    ]);
    expect(shopify.code).toBe(1);
    expect(shopify.stdout).toBe('');
    expect(shopify.stderr.trim().split('\n')).toHaveLength(1);
    expect(shopify.stderr).toMatch(
      /--format is required \(the document does not name its format\): one of .*shopify-order/,
    );
    const two = await runEaiInProcess(['map', 'a.edi', '--input', 'b.edi']);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/two documents given \(a\.edi and --input b\.edi\)/);
  });
});

describe('eai map --mapping of another format than the document', () => {
  it('says in one line what the document is read as and what to name instead', async () => {
    // Trial: an EDIFACT order given with a partner's X12 850 mapping said only "reads format x12-850, not format
    // edifact-orders", and a from-canonical mapping "reads canonical records": nothing about what to do.
    const edifact = 'formats/edifact-orders/fixtures/pia-product-id.edi';
    const x12 = await runEaiInProcess(['map', edifact, '--mapping', 'edi/x12-850.to-canonical.yaml']);
    expect(x12.code).toBe(1);
    expect(x12.stderr.trim().split('\n')).toHaveLength(1);
    expect(x12.stderr).toMatch(
      /reads format x12-850, and .*pia-product-id\.edi is read as edifact-orders: name a mapping whose input is edifact-orders, or leave out --mapping/,
    );
    const out = await runEaiInProcess(['map', edifact, '--mapping', 'edi/x12-855.from-canonical.yaml']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /writes canonical records as x12-855 \(a from-canonical mapping\): to read .* as edifact-orders, name a to-canonical mapping of edifact-orders; to write records with it, add --to-system/,
    );
  });
});

describe('eai map formats', () => {
  it('lists every format with a one-line description', () => {
    const rows = JSON.parse(formatsCommand({ json: true }).stdout) as Array<{
      name: string;
      description: string;
    }>;
    expect(rows.map((r) => r.name)).toEqual(readers.map((r) => r.name));
    for (const row of rows) expect(row.description).toMatch(/^[^\n]{10,160}$/);
  });
});

describe('eai map check / test on a path that is not there', () => {
  it('says so in one line naming the path (it was an "unexpected error, a bug" with ENOENT)', async () => {
    for (const run of [checkCommand, testCommand]) {
      const text = await run({ target: 'mappings/acme-typo' });
      expect(text).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'mappings/acme-typo: no such mapping file or folder (a folder of *.yaml mappings, or one of them)\n',
      });
      const json = await run({ target: 'mappings/acme-typo/x.yaml', json: true });
      expect(JSON.parse(json.stderr).errors[0]).toMatchObject({ error: 'ConfigError' });
    }
  });
});

describe('eai map --time-zone', () => {
  const po = join(shippedDir, '../formats/x12-850/fixtures/several-st-sets.edi');
  const orderDates = async (timeZone?: string) => {
    const result = await mapCommand({ format: 'x12-850', input: po, timeZone, json: true });
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as Array<{ value: { occurredAt: string } }>).map(
      (r) => r.value.occurredAt,
    );
  };

  it("reads the document's local dates in the zone given, as a connector's timeZone does", async () => {
    const utc = await orderDates();
    const newYork = await orderDates('America/New_York');
    expect(utc.length).toBeGreaterThan(0);
    const hoursLater = utc.map((date, i) => (Date.parse(newYork[i]!) - Date.parse(date)) / 3_600_000);
    for (const hours of hoursLater) expect([4, 5]).toContain(hours);
  });

  it('writes a system document in the zone given with --to-system', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-map-zone-'));
    try {
      const input = join(dir, 'order.json');
      const order = JSON.parse(
        readFileSync(join(shippedDir, 'sap/fixtures/canonical/credit-hold.json'), 'utf8'),
      );
      writeFileSync(input, JSON.stringify(order));
      const write = (timeZone?: string) =>
        mapCommand({ format: 'sap-idoc-orders05', input, toSystem: true, timeZone });
      // orderDate 2024-01-05T23:59:59Z: 5 January in UTC, 6 January in Berlin.
      expect((await write()).stdout).toMatch(/<DATUM>20240105<\/DATUM>/);
      expect((await write('Europe/Berlin')).stdout).toMatch(/<DATUM>20240106<\/DATUM>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a zone that does not exist in one line, naming the option', async () => {
    const result = await mapCommand({ format: 'x12-850', input: po, timeZone: 'Mars/Olympus' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--time-zone: "Mars/Olympus" is not an IANA time zone name');
  });
});
