import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qualifiers } from '../../formats/derived.ts';
import { loadMappings, mapBytes } from '../index.ts';
import { mapCommand } from './cli.ts';
import { FIXTURE_RECEIVED_AT, fixtureInputs } from './fixtures.ts';
import { UsageTracker } from './usage.ts';

describe('UsageTracker: input values no expression read', () => {
  it('counts leaves, not $loc, empty strings or nulls; a read leaf, or a node read whole, is used', () => {
    const tracker = new UsageTracker();
    const tree = tracker.track({
      id: 'PO-1',
      header: { $loc: 'BGM (segment 3)', type: '220', empty: '', none: null, flag: false },
      lines: [{ $loc: 'LIN#1', qty: 5, epcs: ['urn:a', 'urn:b'] }],
      segments: [{ tag: 'BGM', elements: ['220'] }],
    });
    expect(tree.id).toBe('PO-1');
    expect(tree.lines[0]!.epcs[1]).toBe('urn:b');
    JSON.stringify(tree.header); // read whole, as $string($) does
    const report = tracker.report();
    expect(report.total).toBe(6);
    expect(report.unused).toEqual([
      { location: 'LIN#1', field: 'epcs[0]' },
      { location: 'LIN#1', field: 'qty' },
    ]);
  });

  it("an EDIFACT DTM read through $at (its iso) used its value and format: the reader's derived value stands for them", async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/edifact-orders.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    const [mapped] = await mapBytes(
      'edifact-orders',
      readFileSync('formats/edifact-orders/fixtures/pia-product-id.edi'),
      { mapping, usage, receivedAt: FIXTURE_RECEIVED_AT },
    );
    // DTM+137 (segment 4): the document date, the order's orderDate through $at(dates[…]).
    const value = mapped!.records[0]!.value as { salesOrder: { orderDate: Date } };
    expect(value.salesOrder.orderDate.toISOString().slice(0, 10)).toBe('2024-03-12');
    const unused = usage.report().unused.filter((u) => u.location.includes('DTM (segment 4,'));
    expect(unused).toEqual([]);
  });

  it("an IDoc text read as its joined text used its lines' TDLINE and TDFORMAT: a derived value's source may be a node", async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('sap/idoc-orders05.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    await mapBytes(
      'sap-idoc-orders05',
      readFileSync('formats/sap-idoc-orders05/fixtures/text-continuation-lines.xml'),
      { mapping, usage, receivedAt: FIXTURE_RECEIVED_AT },
    );
    const unused = usage.report().unused.filter((u) => /TDLINE|TDFORMAT/.test(u.field));
    expect(unused).toEqual([]);
  });

  it('a segment no reader node takes (otherSegments) counts its elements, not its tag or place in the file', async () => {
    // Trial: an EDIFACT ORDERS with TDT and TOD listed `TDT (segment 18, line 19): segment` and `…: line` as input
    // values no expression used, and an X12 SPI its `tag`: what the segment's $loc says, not the partner's data.
    const run = async (format: string, file: string, mappingFile: string) => {
      const mapping = loadMappings().find((m) => m.file.endsWith(mappingFile))!;
      const usage = new UsageTracker();
      await mapBytes(format, readFileSync(file), { mapping, usage, receivedAt: FIXTURE_RECEIVED_AT });
      return usage.report().unused;
    };
    const orders = await run(
      'edifact-orders',
      'formats/edifact-orders/fixtures/tdt-tod-transport-terms.edi',
      'edi/edifact-orders.to-canonical.yaml',
    );
    expect(orders.filter((u) => ['tag', 'segment', 'line'].includes(u.field))).toEqual([]);
    const spi = (
      await run(
        'x12-850',
        'formats/x12-850/fixtures/msg-outside-n9-spi-instructions.edi',
        'edi/x12-850.to-canonical.yaml',
      )
    ).filter((u) => u.location.includes('/SPI ('));
    expect(spi.map((u) => u.field)).toEqual(['elements[0]']);
  });

  it("an X12 856 HL's id, parent id and level code built the hierarchy: no input values, so never listed unused", async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-856.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    await mapBytes('x12-856', readFileSync('formats/x12-856/fixtures/hl-shipment-order-pack-item.edi'), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const structure = usage
      .report()
      .unused.filter(
        (u) => /\/HL#\d+\/HL /.test(u.location) && ['id', 'parentId', 'levelCode'].includes(u.field),
      );
    expect(structure).toEqual([]);
  });

  it("a segment's qualifier (X12 PID01, CUR01) is read with any other value of its node, and listed unused only when none is", async () => {
    // Trial: every 850 listed PID01 of each line and CUR01 as unused, though the mapping read the description and
    // the currency they qualify.
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-850.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    await mapBytes('x12-850', readFileSync('formats/x12-850/fixtures/line-items-pid-po4-sch-line-n1.edi'), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const unused = usage.report().unused.map((u) => `${u.location.replace(/ \(.*/, '')} ${u.field}`);
    expect(
      unused.filter((u) => / (type|entityCode)$/.test(u) && /\/(PID|CUR)$/.test(u.split(' ')[0]!)),
    ).toEqual([]);
    // A node none of whose values is read keeps its qualifier unread.
    const tracker = new UsageTracker();
    const tree = tracker.track({
      read: qualifiers({ $loc: 'PID#1', type: 'F', text: 'MUG' }, ['type']),
      unread: qualifiers({ $loc: 'PID#2', type: 'F', text: 'LAMP' }, ['type']),
      onlyQualifier: qualifiers({ $loc: 'CUR#1', entityCode: 'BY', code: 'USD' }, ['entityCode']),
    });
    expect(tree.read.text).toBe('MUG');
    expect(tree.onlyQualifier.entityCode).toBe('BY');
    expect(tracker.report().unused).toEqual([
      { location: 'PID#2', field: 'type' },
      { location: 'PID#2', field: 'text' },
      { location: 'CUR#1', field: 'code' },
    ]);
  });

  it("an EDIFACT IMD's text read whole used its parts (7008 twice): the parts are not counted as unused", async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/edifact-orders.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    await mapBytes(
      'edifact-orders',
      readFileSync('formats/edifact-orders/fixtures/bom-free-text-35-cut.edi'),
      {
        mapping,
        usage,
        receivedAt: FIXTURE_RECEIVED_AT,
      },
    );
    const unused = usage.report().unused.map((u) => u.field);
    expect(unused).not.toContain('text');
    expect(unused.filter((field) => field.includes('textParts'))).toEqual([]);
  });

  it("an EDIFACT NAD's name read whole used its parts (C080 3036 ×5): nameParts is not listed unused", async () => {
    // Trial: NAD+BY+…++Eurohandel AG listed nameParts[0] as unused although the mapping maps the name.
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/edifact-orders.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    const mapped = await mapBytes(
      'edifact-orders',
      readFileSync('formats/edifact-orders/fixtures/alc-pat-tax-groups.edi'),
      { mapping, usage, receivedAt: FIXTURE_RECEIVED_AT },
    );
    // NAD+BY+5412345000013::9++Brasserie De Kroon BVBA: the name reaches the customer.
    expect(mapped[0]!.records[0]!.value).toMatchObject({
      salesOrder: { customer: { name: 'Brasserie De Kroon BVBA' } },
    });
    const unused = usage.report().unused.map((u) => u.field);
    expect(unused.filter((field) => /(^|\.)name(Parts)?(\[|$)/.test(field))).toEqual([]);
  });

  it("an IDoc's dates, partner numbers and qualifiers read through the reader's date, partyId and role are used, and those derived keys are no values of their own", async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('sap/idoc-orders05.to-canonical.yaml'))!;
    // partner-lifnr-only.xml's third partner has PARTN (its partyId) and LIFNR too: that LIFNR goes to extensions
    // (sap.E1EDKA1.<PARVW>.LIFNR, with every other field no canonical field takes), so it is read too.
    const leftOut: Record<string, unknown[]> = {
      'items-schedule-lines-material-ids.xml': [],
      'partner-lifnr-only.xml': [],
    };
    for (const [fixture, expected] of Object.entries(leftOut)) {
      const usage = new UsageTracker();
      await mapBytes('sap-idoc-orders05', readFileSync(`formats/sap-idoc-orders05/fixtures/${fixture}`), {
        mapping,
        usage,
        receivedAt: FIXTURE_RECEIVED_AT,
      });
      const unused = usage.report().unused;
      // The derived keys are not counted: listing them said a fact was lost twice, or that one was when none was.
      expect(
        unused.filter((u) => ['date', 'time', 'role', 'partyId'].includes(u.field)),
        fixture,
      ).toEqual([]);
      // Every schedule line's date is its deliveryDate, every header partner's number its partyId, every material
      // id's qualifier its role (buyer / vendor / EAN): the raw fields were used through them.
      const read = unused.filter(
        (u) =>
          (/E1EDP20\[\d+\]$/.test(u.location) && /^(EDATU|EZEIT)$/.test(u.field)) ||
          (/E1EDKA1\[\d+\]$/.test(u.location) && /^(PARTN|LIFNR|PARVW)$/.test(u.field)) ||
          (/E1EDP19\[\d+\]$/.test(u.location) && u.field === 'QUALF'),
      );
      expect(read, fixture).toEqual(expected);
    }
  });

  const mappings = loadMappings().filter((m) => m.direction === 'to-canonical');
  for (const mapping of mappings) {
    it(`${basename(mapping.file)}: mapping through the tracker changes no fixture's output`, async () => {
      for (const input of fixtureInputs(mapping.fixturesDir)) {
        const expected = readFileSync(join(mapping.expectedDir, `${basename(input)}.json`), 'utf8');
        const usage = new UsageTracker();
        const mapped = await mapBytes(mapping.spec.input, readFileSync(input), {
          mapping,
          usage,
          receivedAt: FIXTURE_RECEIVED_AT,
        });
        expect(
          `${JSON.stringify(
            mapped.flatMap((m) => m.records),
            null,
            2,
          )}\n`,
          input,
        ).toBe(expected);
        // Records came out of values read (an empty list page yields none and may read none).
        const records = mapped.flatMap((m) => m.records).length;
        expect(records === 0 || usage.report().total > 0, input).toBe(true);
      }
    });
  }

  it("maps a webhook batch's events of another object with that object's reader, and names each event none reads: exit 1", async () => {
    // A contact's association change (no record) beside a company's creation: the company's record, by the company
    // reader and mapping (HubSpot posts every subscription of an app to one URL).
    const input = 'formats/hubspot-contact/fixtures/association-beside-company-creation.json';
    const text = await mapCommand({ format: 'hubspot-contact', input });
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    expect((JSON.parse(text.stdout) as Array<{ key: string }>).map((r) => r.key)).toEqual([
      expect.stringMatching(/^hubspot:company:\d+$/),
    ]);
    // Contacts and a company mapped, each by its own reader; a deal's event, which no reader reads, named.
    const mixed = await mapCommand({
      format: 'hubspot-contact',
      input: 'formats/hubspot-contact/fixtures/mixed-subscriptions.json',
      json: true,
    });
    expect(mixed.code).toBe(1);
    expect(
      (JSON.parse(mixed.stdout) as Array<{ key: string; value: { changeType: string } }>).map((r) => [
        r.key,
        r.value.changeType,
      ]),
    ).toEqual([
      ['hubspot:5103', 'CREATED'],
      ['hubspot:5103', 'UPDATED'],
      ['hubspot:company:5102', 'DELETED'],
    ]);
    // One JSON line on stderr: an error for the event no reader reads, the contact batch not ok, the company's ok.
    expect(mixed.stderr.trimEnd().split('\n')).toHaveLength(1);
    const { errors, documents } = JSON.parse(mixed.stderr) as {
      errors: Array<Record<string, unknown>>;
      documents: Array<Record<string, unknown>>;
    };
    expect(errors).toMatchObject([{ error: 'NotMapped', location: '/3', document: 1 }]);
    expect(errors[0]!.message).toMatch(/deal\.propertyChange event/);
    expect(documents).toMatchObject([
      { document: 1, kind: 'contact', ok: false, unmappedEvents: 1 },
      { document: 2, kind: 'company', ok: true, records: 1 },
    ]);
    // --mapping names one mapping for all: the company's events are set apart, as before.
    const named = await mapCommand({
      format: 'hubspot-contact',
      input,
      mapping: 'mappings/hubspot/contact.to-canonical.yaml',
    });
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/company\.creation event of object \d+ is no hubspot-contact event/);
  });

  it("names an unused field of a JSON document's root by its name alone, not after an empty location", async () => {
    // The Pub/Sub event's replayId: no canonical field holds it.
    const input = 'formats/salesforce-cdc/fixtures/pubsub-person-account-create.json';
    const text = await mapCommand({ format: 'salesforce-cdc', input });
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/[(;] replayId[;)]/);
    expect(text.stderr).not.toMatch(/[(;] : /);
  });

  it('eai map says on stderr how many input values no expression used, and lists them with --json', async () => {
    // REF04's pairs and the SCH party, which the canonical order has no place for.
    const input = 'formats/x12-850/fixtures/td5-sch-pid-ref04-itd-trailing-elements.edi';
    const text = await mapCommand({ format: 'x12-850', input });
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(
      /^eai map: \d+ of \d+ input values were used by no expression of mappings\/edi\/x12-850\.to-canonical\.yaml \(.*REF \(segment \d+, line \d+\): related\[0\]\.qualifier.*--json lists them\)\n$/,
    );
    const json = await mapCommand({ format: 'x12-850', input, json: true });
    const { warnings } = JSON.parse(json.stderr) as {
      warnings: Array<{
        warning: string;
        count: number;
        total: number;
        unused: Array<{ location: string; field: string }>;
      }>;
    };
    expect(warnings[0]!.warning).toBe('UnmappedInput');
    expect(warnings[0]!.unused).toContainEqual({
      location: expect.stringMatching(/^ISA#1\/GS#1\/ST#1\/PO1#1\/SCH \(segment \d+, line \d+\)$/),
      field: 'entityCode',
    });
    expect(warnings[0]!.count).toBe(warnings[0]!.unused.length);
  });

  it('lists at most 1000 unused values with --json, saying how many it listed when that cut them', async () => {
    // 1,200 lines, each with a PID description whose language (PID09) the 850 mapping reads nowhere: each an unused
    // value.
    const lines = readFileSync('formats/x12-850/fixtures/amt-ctt-td5-routing.edi', 'latin1').split('\n');
    const first = lines.findIndex((l) => l.startsWith('PO1*'));
    const items = Array.from({ length: 1200 }, (_, i) => [
      `PO1*${i + 1}*1*EA*1.00*UM*BP*X${i}~`,
      `PID*F****ITEM ${i}****EN~`,
    ]);
    const body = [...lines.slice(0, first), ...items.flat(), ...lines.slice(first + 4)];
    const st = body.findIndex((l) => l.startsWith('ST*'));
    const se = body.findIndex((l) => l.startsWith('SE*'));
    body[se] = `SE*${se - st + 1}*0001~`;
    body[body.findIndex((l) => l.startsWith('CTT*'))] = 'CTT*1200~';
    const dir = mkdtempSync(join(tmpdir(), 'eai-unused-'));
    const input = join(dir, 'many-notes.edi');
    writeFileSync(input, body.join('\n'));
    const json = await mapCommand({ format: 'x12-850', input, json: true });
    const warning = (
      JSON.parse(json.stderr) as { warnings: Array<{ count: number; listed?: number; unused: unknown[] }> }
    ).warnings[0]!;
    expect(warning.count).toBeGreaterThanOrEqual(1200);
    expect(warning.unused).toHaveLength(1000);
    expect(warning.listed).toBe(1000);
  });

  it('a Salesforce CDC event lists only what it holds, each at its own place', async () => {
    // Trial: a CometD Account CREATE (Change Data Capture Developer Guide) listed the reader's own `shape` and
    // `fieldsDecoded`, the record ids again, the payload's field names as the record's changedFields under
    // `recordIds/0`, and replayId at the top of the event instead of in `data.event`.
    const event = {
      data: {
        schema: 'IeRuaY6cbI_HsV8Rv1Mc5g',
        payload: {
          ChangeEventHeader: {
            entityName: 'Account',
            recordIds: ['001RM000003Y8kRYAS'],
            changeType: 'CREATE',
            changeOrigin: 'com/salesforce/api/soap/51.0;client=SfdcInternalAPI/',
            transactionKey: '0002343d-9d90-e395-ed20-cf416ba652ad',
            sequenceNumber: 1,
            commitTimestamp: 1612912679000,
            commitNumber: 10716841172000,
            commitUser: '005RM000001vI54YAE',
            changedFields: [],
          },
          Name: 'Acme',
          Description: 'Everyone is talking about the cloud. But what does it mean?',
          OwnerId: '005RM000001vI54YAE',
          CreatedDate: '2021-02-09T23:17:59Z',
          CreatedById: '005RM000001vI54YAE',
          LastModifiedDate: '2021-02-09T23:17:59Z',
          LastModifiedById: '005RM000001vI54YAE',
        },
        event: { replayId: 6 },
      },
      channel: '/data/AccountChangeEvent',
    };
    const mapping = loadMappings().find((m) => m.file.endsWith('salesforce/cdc.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    await mapBytes('salesforce-cdc', Buffer.from(JSON.stringify(event)), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const { unused } = usage.report();
    expect(unused).toEqual([
      { location: '/data/payload/ChangeEventHeader', field: 'transactionKey' },
      { location: '/data/payload/ChangeEventHeader', field: 'sequenceNumber' },
      { location: '/data/payload/ChangeEventHeader', field: 'commitNumber' },
      { location: '', field: 'channel' },
      { location: '/data/event', field: 'replayId' },
    ]);
    // Every one is where the document holds it.
    for (const { location, field } of unused) {
      const node = location
        .split('/')
        .slice(1)
        .reduce<Record<string, unknown>>((n, k) => n[k] as Record<string, unknown>, event);
      expect(node[field], `${location} ${field}`).toBeDefined();
    }
  });

  it("a Salesforce CDC UPDATE's changedFields, nulledFields and diffFields are the reader's to apply, no unused values", async () => {
    // Trial: every UPDATE listed `changedFields[0]`, `changedFields[1]`… as unused, though the reader applies them:
    // they choose the values a record carries and the fields it clears.
    const event = {
      data: {
        schema: 'IeRuaY6cbI_HsV8Rv1Mc5g',
        payload: {
          ChangeEventHeader: {
            entityName: 'Account',
            recordIds: ['001RM000003Y8kRYAS'],
            changeType: 'UPDATE',
            changeOrigin: 'com/salesforce/api/soap/51.0;client=SfdcInternalAPI/',
            transactionKey: '0002343d-9d90-e395-ed20-cf416ba652ad',
            sequenceNumber: 1,
            commitTimestamp: 1612912679000,
            commitNumber: 10716841172000,
            commitUser: '005RM000001vI54YAE',
            changedFields: ['Name', 'Phone', 'LastModifiedDate'],
            nulledFields: ['Phone'],
            diffFields: [],
          },
          Name: 'Acme Corp',
          Phone: null,
          LastModifiedDate: '2021-02-10T10:00:00Z',
        },
        event: { replayId: 7 },
      },
      channel: '/data/AccountChangeEvent',
    };
    const mapping = loadMappings().find((m) => m.file.endsWith('salesforce/cdc.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    await mapBytes('salesforce-cdc', Buffer.from(JSON.stringify(event)), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const fields = usage.report().unused.map((u) => u.field);
    expect(fields.filter((f) => /changedFields|nulledFields|diffFields/.test(f))).toEqual([]);
    expect(fields).toContain('commitNumber');
  });

  it('an X12 856 CTT01 / CTT02 the reader checked are no unused values; a mismatch of either is refused where it stands', async () => {
    // Trial: every 856 listed CTT's count (and the reader's own `counts`) as unused, though the reader refuses a
    // CTT01 that counts neither the HLs nor the LINs and a CTT02 that is not the sum of SN102.
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-856.to-canonical.yaml'))!;
    const file = 'formats/x12-856/fixtures/lin-several-ids-of-a-kind.edi';
    const text = readFileSync(file, 'latin1');
    const ctt = /CTT\*(\d+)\*([\d.]+)~/.exec(text)!;
    const usage = new UsageTracker();
    await mapBytes('x12-856', Buffer.from(text, 'latin1'), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    expect(usage.report().unused.filter((u) => u.location.includes('/CTT ('))).toEqual([]);
    const broken = (replacement: string) =>
      mapBytes('x12-856', Buffer.from(text.replace(ctt[0], replacement), 'latin1'), { mapping });
    await expect(broken(`CTT*${Number(ctt[1]) + 7}*${ctt[2]}~`)).rejects.toThrow(
      /CTT \(segment \d+, line \d+\), element CTT01: control count mismatch/,
    );
    await expect(broken(`CTT*${ctt[1]}*${Number(ctt[2]) + 1}~`)).rejects.toThrow(
      /CTT \(segment \d+, line \d+\), element CTT02: hash total mismatch/,
    );
  });
});
