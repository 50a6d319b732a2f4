import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { read856 } from '../../formats/x12-856/index.ts';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { canonicalValues } from '../engine/run.ts';
import { loadMappings, mapBytes, writeWithMapping } from '../index.ts';

/**
 * The 856 the hub writes (mappings/edi/x12-856.from-canonical.yaml) is one the hub reads: each fixture's
 * ShipmentEvent (made from those mappings/edi/x12-856.to-canonical.yaml gives for the partners' 856s), written,
 * read by the x12-856 reader and mapped to canonical again, gives back every field it was written from.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, compared by path
type Json = any;

const dir = 'mappings/edi/fixtures/x12-856';
const mappings = loadMappings();
const outbound = mappings.find((m) => m.file.endsWith('edi/x12-856.from-canonical.yaml'))!;
const inbound = mappings.find((m) => m.file.endsWith('edi/x12-856.to-canonical.yaml'))!;

/** What the 856 carries of a shipment (ids and extensions of the partner's own 856 aside). */
function written(s: Json) {
  const party = (p: Json) =>
    p && { partyId: p.partyId, idScheme: p.idScheme, name: p.name, address: p.address };
  return {
    shipmentNumber: s.shipmentNumber,
    orderReferences: s.orderReferences.map((o: Json) => ({
      purchaseOrderNumber: o.purchaseOrderNumber,
      sellerOrderNumber: o.sellerOrderNumber,
      purchaseOrderDate: o.purchaseOrderDate,
    })),
    carrier: s.carrier,
    trackingNumbers: s.trackingNumbers,
    billOfLading: s.billOfLading,
    shipFrom: party(s.shipFrom),
    shipTo: party(s.shipTo),
    parties: s.parties.map((p: Json) => ({ role: p.role, roleCode: p.roleCode, party: party(p.party) })),
    equipment: s.equipment,
    shippedAt: s.shippedAt,
    estimatedArrival: s.estimatedArrival,
    grossWeight: s.grossWeight,
    netWeight: s.netWeight,
    volume: s.volume,
    packages: s.packages.map((p: Json) => ({
      packageId: p.packageId,
      parentPackageId: p.parentPackageId,
      packagingCode: p.packagingCode,
      grossWeight: p.grossWeight,
      volume: p.volume,
    })),
    lines: s.lines.map((l: Json) => ({
      orderLineNumber: l.orderLineNumber,
      purchaseOrderNumber: l.purchaseOrderNumber,
      item: l.item,
      quantity: l.quantity,
      packageId: l.packageId,
      lotNumber: l.lotNumber,
      serialNumbers: l.serialNumbers,
    })),
    status: s.status,
    createdAt: s.createdAt,
    references: Object.entries(s.extensions).filter(([k]) =>
      /^x12\.(REF\.|TD1\.lading|TD5\.(routingSequence|serviceLevel|routing)$|BSN\.purpose)/.test(k),
    ),
  };
}

async function roundTrip(file: string) {
  const input = readFileSync(`${dir}/${file}`);
  const [event] = canonicalValues(input.toString('utf8')) as Json[];
  const [bytes] = await writeWithMapping(outbound, [event], { controlNumbers: async () => 42 });
  const [mapped] = await mapBytes('x12-856', bytes!, { mapping: inbound, receivedAt: FIXTURE_RECEIVED_AT });
  if (!mapped) throw new Error(`${file}: nothing read back`);
  const back = JSON.parse(JSON.stringify(mapped.records[0]!.value));
  return { event, back, bytes: bytes! };
}

describe('x12-856 from canonical: the round trip through the hub’s own reader', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has fixtures with packs, nested packs, loose items, serials, an old version and an addressed one', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)('%s: read back, it gives the fields it was written from', async (file) => {
    const { event, back } = await roundTrip(file);
    expect(back.schema ?? 'eai.canonical.ShipmentEvent').toBe('eai.canonical.ShipmentEvent');
    expect(written(back.shipment)).toEqual(written(event.shipment));
    expect(back.changeType).toBe(event.changeType);
  });

  it('writes a service level the X12 code list names as its TD512 code, any other as TD505 text', async () => {
    const [event] = canonicalValues(
      readFileSync(`${dir}/hl-shipment-order-pack-item.json`, 'utf8'),
    ) as Json[];
    const td5Of = async (serviceLevel: string) => {
      event.shipment.carrier = { scac: 'UPSN', name: 'UPS', transportMode: 'ROAD', serviceLevel };
      const [bytes] = await writeWithMapping(outbound, [event], { controlNumbers: async () => 42 });
      const [mapped] = await mapBytes('x12-856', bytes!, {
        mapping: inbound,
        receivedAt: FIXTURE_RECEIVED_AT,
      });
      const back = JSON.parse(JSON.stringify(mapped!.records[0]!.value)).shipment;
      return { td5: read856(bytes!)[0]!.segments.find((s) => s.tag === 'TD5')!.elements, back };
    };
    const ground = await td5Of('Ground');
    expect(ground.td5).toEqual(['B', '2', 'UPSN', 'M', '', '', '', '', '', '', '', 'CG']);
    // TD505 beside TD512 as the partner's 856 had it (x12.TD5.routing); a code outside the list as the 856 said it.
    event.shipment.extensions['x12.TD5.routing'] = 'UPS GROUND RESIDENTIAL';
    expect((await td5Of('Ground')).td5).toEqual([
      'B',
      '2',
      'UPSN',
      'M',
      'UPS GROUND RESIDENTIAL',
      '',
      '',
      '',
      '',
      '',
      '',
      'CG',
    ]);
    event.shipment.extensions['x12.TD5.serviceLevel'] = 'ZZ';
    expect((await td5Of('ZZ')).td5.slice(4)).toEqual([
      'UPS GROUND RESIDENTIAL',
      '',
      '',
      '',
      '',
      '',
      '',
      'ZZ',
    ]);
    delete event.shipment.extensions['x12.TD5.routing'];
    delete event.shipment.extensions['x12.TD5.serviceLevel'];
    expect(ground.back.carrier.serviceLevel).toBe('Ground');
    expect(ground.back.extensions['x12.TD5.serviceLevel']).toBe('CG');
    const text = await td5Of('UPS GROUND RESIDENTIAL');
    expect(text.td5).toEqual(['B', '2', 'UPSN', 'M', 'UPS GROUND RESIDENTIAL']);
    expect(text.back.carrier.serviceLevel).toBe('UPS GROUND RESIDENTIAL');
  });

  it('keeps the seconds of a time (BSN04 HHMMSS) and writes no DTM03 for a date without a time', async () => {
    const [event] = canonicalValues(
      readFileSync(`${dir}/hl-shipment-order-pack-item.json`, 'utf8'),
    ) as Json[];
    event.shipment.createdAt = '2024-03-12T14:24:28.000Z';
    event.shipment.estimatedArrival = '2024-03-15T00:00:00.000Z';
    const [bytes] = await writeWithMapping(outbound, [event], { controlNumbers: async () => 42 });
    const [set] = read856(bytes!);
    expect(set!.segments.find((s) => s.tag === 'BSN')!.elements[3]).toBe('142428');
    expect(set!.segments.find((s) => s.tag === 'DTM' && s.elements[0] === '017')!.elements).toEqual([
      '017',
      '20240315',
    ]);
    const [mapped] = await mapBytes('x12-856', bytes!, { mapping: inbound, receivedAt: FIXTURE_RECEIVED_AT });
    expect(JSON.parse(JSON.stringify(mapped!.records[0]!.value)).shipment.createdAt).toBe(
      '2024-03-12T14:24:28.000Z',
    );
  });

  it('addresses the partner the order came from, with the order’s ids, and keeps test data test data', async () => {
    const { bytes } = await roundTrip('addressed-from-the-order-test.json');
    const [set] = read856(bytes);
    expect(set!.envelope.interchange).toMatchObject({
      senderQualifier: 'ZZ',
      senderId: 'HUBRETAIL',
      receiverQualifier: '01',
      receiverId: 'ACMESUPPLY',
      controlNumber: '000000042',
      usage: 'T',
      version: '00501',
    });
    expect(set!.envelope.group).toMatchObject({
      senderCode: 'HUBAPP',
      receiverCode: 'ACMEAPP',
      version: '005010',
    });
  });

  /** A fixture's shipment as an order from SAP or a WMS gives it: no X12 850's ids on it. */
  function withoutOrderIds(file: string): Json {
    const [event] = canonicalValues(readFileSync(`${dir}/${file}`, 'utf8')) as Json[];
    for (const ref of event.shipment.orderReferences) ref.orderId = `sap:${ref.purchaseOrderNumber}`;
    event.shipment.extensions = Object.fromEntries(
      Object.entries(event.shipment.extensions).filter(([k]) => !/^x12\.(ISA|GS|version|usage)/.test(k)),
    );
    return event;
  }

  it('makes up no partner: a shipment without the order’s ids and no envelope given is refused', async () => {
    await expect(
      writeWithMapping(outbound, [withoutOrderIds('hl-shipment-order-pack-item.json')], {
        controlNumbers: async () => 42,
      }),
    ).rejects.toThrow(/ISA06: missing the sender id/);
  });

  it('addresses a shipment that carries no order ids with the envelope the sink gives', async () => {
    const [bytes] = await writeWithMapping(outbound, [withoutOrderIds('hl-shipment-order-pack-item.json')], {
      controlNumbers: async () => 42,
      envelope: { senderQualifier: '01', senderId: '123456789', receiverId: 'ACMESUPPLY' },
    });
    const [set] = read856(bytes!);
    expect(set!.envelope.interchange).toMatchObject({
      senderQualifier: '01',
      senderId: '123456789',
      receiverQualifier: 'ZZ',
      receiverId: 'ACMESUPPLY',
      usage: 'P',
      version: '00401',
    });
  });

  it('the order’s ids come before the sink’s envelope, unless it overrides them', async () => {
    const [event] = canonicalValues(
      readFileSync(`${dir}/addressed-from-the-order-test.json`, 'utf8'),
    ) as Json[];
    const given = { senderId: 'OTHERID', receiverId: 'OTHERPARTNER' };
    const [filled] = await writeWithMapping(outbound, [event], {
      controlNumbers: async () => 1,
      envelope: given,
    });
    expect(read856(filled!)[0]!.envelope.interchange).toMatchObject({
      senderId: 'HUBRETAIL',
      receiverId: 'ACMESUPPLY',
    });
    const [overridden] = await writeWithMapping(outbound, [event], {
      controlNumbers: async () => 1,
      envelope: { ...given, override: true },
    });
    expect(read856(overridden!)[0]!.envelope.interchange).toMatchObject({
      senderId: 'OTHERID',
      receiverId: 'OTHERPARTNER',
    });
  });

  it('takes an envelope only for X12: a csv mapping given one is refused, naming the formats that have one', async () => {
    const csv = mappings.find((m) => m.file.endsWith('csv/customer-table.from-canonical.yaml'))!;
    await expect(writeWithMapping(csv, [], { envelope: { senderId: 'X' } })).rejects.toThrow(
      /csv documents have no interchange envelope to take \(only X12 ones do: x12-855, x12-856\)/,
    );
  });
});
