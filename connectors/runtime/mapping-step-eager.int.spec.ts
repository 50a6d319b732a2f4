import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from '../../bus/transport/types.ts';
import { FIXTURE_RECEIVED_AT, fixtureInputs } from '../../mappings/engine/fixtures.ts';
import { type CompiledMapping, findMapping, loadMappings } from '../../mappings/index.ts';
import { testBus } from '../../tests/stack.ts';
import { createMappingStep, type PreparedDocument } from './mapping-step.ts';

/**
 * The mapping step with the test stack's schema registry (each subject's schema registered once per publisher),
 * nothing sent. prepareEagerly (as the source host calls it) must give what prepare gives through a publisher that
 * has only promises, on every fixture of every to-canonical mapping and on bytes that do not parse.
 */

const bus = testBus('/eai/tests');

function steps(mapping: CompiledMapping) {
  const publisher = bus.preparer('/eai/tests');
  const options = { owner: 'test-connector', mappingFor: () => mapping };
  return {
    // A publisher of promises only, as every publisher was before prepareEagerly.
    general: createMappingStep({
      ...options,
      publisher: { prepare: publisher.prepare, encoder: publisher.encoder },
    }),
    eager: createMappingStep({ ...options, publisher }),
  };
}

/** The records as bytes, less what differs from one call to the next (the time, a new span, a stack). */
function comparable(prepared: PreparedDocument) {
  const varying = new Set([
    'ce_time',
    'traceparent',
    '__eai.errors.time',
    '__connect.errors.exception.stacktrace',
  ]);
  return {
    published: prepared.published,
    deadLettered: prepared.deadLettered,
    records: prepared.records.map((record: OutgoingRecord) => ({
      topic: record.topic,
      key: record.key?.toString(),
      value: record.value?.toString('hex'),
      headers: Object.entries(record.headers ?? {})
        .filter(([name]) => !varying.has(name))
        .map(([name, value]) => [name, String(value)]),
    })),
  };
}

describe('mapping step: prepareEagerly', () => {
  const mappings = loadMappings().filter((m) => m.direction === 'to-canonical');

  for (const mapping of mappings) {
    const inputs = [
      ...fixtureInputs(mapping.fixturesDir).map((file) => readFileSync(file)),
      Buffer.from('not a document of any format'),
    ];
    it(`${mapping.file}: gives what prepare gives through promises, fixture by fixture`, async () => {
      const { general, eager } = steps(mapping);
      for (const bytes of inputs) {
        const input = { format: mapping.spec.input, bytes, receivedAt: FIXTURE_RECEIVED_AT, name: 'fixture' };
        const expected = comparable(await general.prepare(input));
        // Twice: the first call meets the registry, the second knows the encoder.
        for (let call = 0; call < 2; call++)
          expect(comparable(await eager.prepareEagerly(input))).toEqual(expected);
      }
    });
  }

  it("names each document's own sender in ce_source, documents of different senders in turn", async () => {
    const mapping = findMapping('shopify/order.to-canonical.yaml');
    const { eager } = steps(mapping);
    const order = JSON.parse(readFileSync(fixtureInputs(mapping.fixturesDir)[0]!, 'utf8'));
    const senders = ['web', 'pos app', 'web', '', 'shopify_draft_order', 'pos app'];
    for (const [i, sender] of senders.entries()) {
      const bytes = Buffer.from(JSON.stringify({ ...order, id: 1000 + i, source_name: sender || null }));
      const prepared = await eager.prepareEagerly({
        format: 'shopify-order',
        bytes,
        receivedAt: FIXTURE_RECEIVED_AT,
      });
      const expected = `/shopify-order/${encodeURIComponent(sender ? `shopify/${sender}` : 'shopify')}`;
      expect(String(prepared.records[0]?.headers?.ce_source), sender).toBe(expected);
    }
  });

  it('types each event <format>.<schema full name>, documents of different formats in turn', async () => {
    const chosen = ['shopify/order.to-canonical.yaml', 'edi/x12-850.to-canonical.yaml'].map((file) =>
      findMapping(file),
    );
    const publisher = bus.preparer('/eai/tests');
    const step = createMappingStep({
      owner: 'test-connector',
      publisher,
      mappingFor: (input) => chosen.find((m) => m.spec.input === input.format)!,
    });
    for (const mapping of [...chosen, ...chosen, chosen[1]!, chosen[0]!]) {
      const bytes = readFileSync(fixtureInputs(mapping.fixturesDir)[0]!);
      const prepared = await step.prepareEagerly({
        format: mapping.spec.input,
        bytes,
        receivedAt: FIXTURE_RECEIVED_AT,
      });
      expect(prepared.published, mapping.file).toBeGreaterThan(0);
      for (const record of prepared.records)
        expect(String(record.headers?.ce_type)).toBe(`${mapping.spec.input}.${mapping.schema.fullName}`);
    }
  });

  it('prepares a Shopify order without a promise once the encoder is known, and a refusal at once', async () => {
    const { eager } = steps(findMapping('shopify/order.to-canonical.yaml'));
    const bytes = readFileSync(fixtureInputs(findMapping('shopify/order.to-canonical.yaml').fixturesDir)[0]!);
    const input = { format: 'shopify-order', bytes, receivedAt: FIXTURE_RECEIVED_AT };
    const first = eager.prepareEagerly(input);
    expect(first).toBeInstanceOf(Promise);
    expect((await first).published).toBe(1);
    const second = eager.prepareEagerly(input);
    expect(second).not.toBeInstanceOf(Promise);
    expect((second as PreparedDocument).published).toBe(1);
    const refused = eager.prepareEagerly({ ...input, bytes: Buffer.from('{') });
    expect(refused).not.toBeInstanceOf(Promise);
    expect((refused as PreparedDocument).deadLettered).toHaveLength(1);
  });

  it("says what to name in the connector's file for a document that is not UTF-8, and nothing of the kind once it names one", async () => {
    const csv = findMapping('csv/customer-table.to-canonical.yaml');
    const table = Buffer.from('Customer ID;Company;City\n1;Müller GmbH;Köln\n', 'latin1');
    const input = { format: 'csv', bytes: table, receivedAt: FIXTURE_RECEIVED_AT };
    const refused = await steps(csv).eager.prepareEagerly(input);
    expect(refused.deadLettered).toHaveLength(1);
    expect(refused.deadLettered[0]?.message).toMatch(
      /^csv: byte 28: invalid UTF-8 \(byte 0xfc .*\): a Windows-1252 or Latin-1 document\? name its character set in the connector's file \(encoding: windows-1252\), or have the sender send UTF-8$/,
    );
    const publisher = bus.preparer('/eai/tests');
    const named = createMappingStep({
      owner: 'test-connector',
      mappingFor: () => csv,
      publisher,
      encoding: 'windows-1252',
    });
    const read = await named.prepareEagerly(input);
    expect(read.deadLettered).toEqual([]);
    expect(read.published).toBe(1);
  });

  it('keys the dead letter of an input refused whole by its interchange (ISA13, UNB 0020) and names its sender, else by its name', async () => {
    const letterOf = async (mappingFile: string, format: string, bytes: Buffer, name?: string) => {
      const prepared = await steps(findMapping(mappingFile)).eager.prepareEagerly({
        format,
        bytes,
        receivedAt: FIXTURE_RECEIVED_AT,
        ...(name ? { name } : {}),
      });
      expect(prepared.published).toBe(0);
      expect(prepared.records).toHaveLength(1);
      const letter = prepared.records[0]!;
      return { key: letter.key?.toString(), sender: letter.headers?.['eai.document.sender']?.toString() };
    };
    const truncatedX12 = readFileSync('formats/x12-850/fixtures/broken/truncated.edi');
    expect(await letterOf('edi/x12-850.to-canonical.yaml', 'x12-850', truncatedX12, 'po.x12#1')).toEqual({
      key: '000004711',
      sender: 'ACMESUPPLY',
    });
    // A segment where the IEA belongs: the envelope check fails after the ISA read.
    const ieaOff = Buffer.from(
      readFileSync('formats/x12-850/fixtures/amt-ctt-td5-routing.edi', 'utf8').replace(
        /IEA\*1\*\d+/,
        'XYZ*1*000000999',
      ),
    );
    expect(await letterOf('edi/x12-850.to-canonical.yaml', 'x12-850', ieaOff)).toEqual({
      key: '000000246',
      sender: '828513080',
    });
    const truncatedEdifact = readFileSync('formats/edifact-orders/fixtures/broken/truncated.edi');
    expect(
      await letterOf('edi/edifact-orders.to-canonical.yaml', 'edifact-orders', truncatedEdifact, 'o.edi#1'),
    ).toEqual({ key: '10042', sender: '4012345000009' });
    // No interchange header to read: the file and the message's place in it.
    const letter = Buffer.from('Dear supplier, please find our order attached.\n');
    expect(await letterOf('edi/x12-850.to-canonical.yaml', 'x12-850', letter, 'letter.x12#1')).toEqual({
      key: 'letter.x12#1',
      sender: undefined,
    });
  });

  it("names the sender of a set refused before any record (ISA06, UNB sender) as its records' letters do, for `eai dlq ls --sender`", async () => {
    const { eager } = steps(findMapping('edi/x12-850.to-canonical.yaml'));
    const several = readFileSync('formats/x12-850/fixtures/several-st-sets.edi', 'utf8');
    // The second set is no 850: refused alone, the first mapped.
    const oneRefused = Buffer.from(several.replace('ST*850*0002', 'ST*810*0002'));
    const prepared = await eager.prepareEagerly({
      format: 'x12-850',
      bytes: oneRefused,
      name: 'po.x12',
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    expect(prepared.published).toBe(1);
    const letters = prepared.records.filter((r) => r.headers?.['eai.document.format'] !== undefined);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.key?.toString()).toBe('000004711/0002');
    expect(letters[0]!.headers?.['eai.document.sender']?.toString()).toBe('ACMESUPPLY');
    // A record-level letter of the same interchange names the same sender.
    const noDate = Buffer.from(
      several.replace('BEG*00*SA*PO-A-1002**20240311', 'BEG*00*SA*PO-A-1002**20241399'),
    );
    const bad = await eager.prepareEagerly({
      format: 'x12-850',
      bytes: noDate,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const letter = bad.records.find((r) => r.headers?.['eai.document.format'] !== undefined);
    expect(letter?.headers?.['eai.document.sender']?.toString()).toBe('ACMESUPPLY');
  });

  it('names the sender of an IDoc refused alone (SNDPRN) and of an EDIFACT message refused alone (UNB sender)', async () => {
    const senderOfLetter = async (mappingFile: string, format: string, bytes: Buffer) => {
      const prepared = await steps(findMapping(mappingFile)).eager.prepareEagerly({
        format,
        bytes,
        receivedAt: FIXTURE_RECEIVED_AT,
      });
      const letters = prepared.records.filter((r) => r.headers?.['eai.document.format'] !== undefined);
      expect(letters).toHaveLength(1);
      return letters[0]!.headers?.['eai.document.sender']?.toString();
    };
    const impossibleDate = readFileSync('formats/sap-idoc-orders05/fixtures/broken/impossible-date.xml');
    expect(
      await senderOfLetter('sap/idoc-orders05.to-canonical.yaml', 'sap-idoc-orders05', impossibleDate),
    ).toBe('CUST4000');
    const messages = readFileSync('formats/edifact-orders/fixtures/ung-group-several-messages.edi', 'utf8');
    const oneForeign = Buffer.from(
      messages.replace("UNH+ORD-6+ORDERS:D:96A:UN'", "UNH+ORD-6+INVOIC:D:96A:UN'"),
    );
    expect(await senderOfLetter('edi/edifact-orders.to-canonical.yaml', 'edifact-orders', oneForeign)).toBe(
      '4012345000009',
    );
  });

  it('keys the dead letter of a document its source refused by the id the source gives it (eai.document.id too), else by its name', () => {
    const { eager } = steps(findMapping('edi/x12-850.to-canonical.yaml'));
    const bytes = readFileSync('formats/x12-850/fixtures/several-st-sets.edi');
    const input = { format: 'x12-850', bytes, name: 'cut.x12#2', receivedAt: FIXTURE_RECEIVED_AT };
    const why = new Error('truncated: ISA#1 has no IEA (the file ends first): its sets are not read');
    const keyed = eager.refuse({ ...input, documentId: '000004711/0002' }, why).records[0]!;
    expect(keyed.key?.toString()).toBe('000004711/0002');
    expect(keyed.headers?.['eai.document.id']?.toString()).toBe('000004711/0002');
    expect(keyed.headers?.['eai.document.name']?.toString()).toBe('cut.x12#2');
    // The sender its envelope names (ISA06), as the letters of the sets the step refuses or maps carry it.
    expect(keyed.headers?.['eai.document.sender']?.toString()).toBe('ACMESUPPLY');
    const named = eager.refuse(input, why).records[0]!;
    expect(named.key?.toString()).toBe('cut.x12#2');
    expect(named.headers?.['eai.document.id']).toBeUndefined();
  });
});
