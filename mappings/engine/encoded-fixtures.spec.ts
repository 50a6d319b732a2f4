import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { avroWriter, MapEntries, type ValueEncoder } from '../../schemas/avro-writer.ts';
import { loadMappings } from '../index.ts';
import { FIXTURE_RECEIVED_AT, fixtureInputs } from './fixtures.ts';
import { type CanonicalRecord, mapDocument } from './run.ts';

/**
 * The bus writes mapped records with writers compiled for their schemas (schemas/avro-writer.ts), not avsc's generic
 * encoder, from the value as mapped (a `$merge` field's entries as MapEntries): for every fixture document of every
 * to-canonical mapping, those bytes are the bytes avsc writes for the record's normal form (as `eai map` prints it),
 * which the compiled writer writes too; a document the one refuses, the other refuses. So are the bytes an encoder that
 * frames (as the bus's does) gets written straight from the mapping (write-fast.ts), and their values read back.
 */
describe('every to-canonical fixture written by the compiled writer', () => {
  const mappings = loadMappings().filter((m) => m.direction === 'to-canonical');

  it('covers the shipped inbound mappings', () => {
    expect(mappings.length).toBeGreaterThan(10);
  });

  for (const mapping of mappings) {
    it(`${mapping.file}: avsc's bytes for each record`, async () => {
      const type = mapping.outputType!;
      const write = avroWriter(type);
      const buf = Buffer.alloc(1 << 22);
      const written = (value: unknown) => Buffer.from(buf.subarray(0, write(value, buf, 0)));
      let records = 0;
      let entries = 0;
      let framed = 0;
      const fusing: ValueEncoder = (value) => Buffer.concat([Buffer.alloc(5), written(value)]);
      fusing.framed = (body) => {
        framed++;
        return Buffer.from(buf.subarray(0, body(buf, 5)));
      };
      for (const file of fixtureInputs(mapping.fixturesDir)) {
        let documents: ReturnType<ReturnType<typeof findReader>['parse']>;
        try {
          documents = findReader(mapping.spec.input).parse(readFileSync(file));
        } catch {
          continue; // a fixture the reader refuses: nothing to map
        }
        for (const document of documents) {
          const where = `${file} ${document.id}`;
          const options = { receivedAt: FIXTURE_RECEIVED_AT };
          const encode = (value: unknown) => {
            const salesOrder = (value as { salesOrder?: { extensions?: unknown } }).salesOrder;
            if (salesOrder?.extensions instanceof MapEntries) entries++;
            return written(value);
          };
          const mapped = await mapDocument(mapping, document, { ...options, encode }).catch(() => undefined);
          const normal = await mapDocument(mapping, document, options).catch(() => undefined);
          const framedBefore = framed;
          const fused = await mapDocument(mapping, document, { ...options, encode: fusing }).catch(
            () => undefined,
          );
          // Written straight (else JSONata mapped it, and framed it with the schema's writer: `value` as mapped).
          const straightly = framed > framedBefore;
          expect(mapped === undefined, `${where}: refused by one path only`).toBe(normal === undefined);
          expect(fused === undefined, `${where}: refused written straight`).toBe(normal === undefined);
          for (const [i, record] of (normal ?? []).entries()) {
            const theirs = type.toBuffer(record.value).toString('hex');
            expect(written(record.value).toString('hex'), `${where} normal form`).toBe(theirs);
            const bus = (mapped as CanonicalRecord[])[i]!.encoded!.toString('hex');
            expect(bus, `${where} as the bus writes it`).toBe(theirs);
            const straight = (fused as CanonicalRecord[])[i]!;
            expect(straight.encoded!.subarray(5).toString('hex'), `${where} written straight`).toBe(theirs);
            expect(straight.key, `${where} key`).toBe(record.key);
            if (straightly)
              expect(straight.value, `${where} value`).toEqual(type.fromBuffer(Buffer.from(theirs, 'hex')));
            records++;
          }
        }
      }
      expect(records).toBeGreaterThan(0);
      if (mapping.file.endsWith('shopify/order.to-canonical.yaml')) {
        expect(entries).toBeGreaterThan(0);
        expect(framed).toBeGreaterThan(0);
      }
    }, 60_000);
  }
});
