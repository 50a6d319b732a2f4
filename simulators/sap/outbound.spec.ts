import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader } from '../../formats/sap-idoc-orders05/index.ts';
import type { IdocTree } from '../../formats/sap-idoc-orders05/tree.ts';
import type { OutboundFile } from './state.ts';
import { type SapHarness, startSap, waitUntil } from './test-support.ts';

type Drop = { dropDir: string; files: OutboundFile[] };

/** Data segments as the hub's reader sees them, counted independently of the simulator's own count. */
function segmentsOf(tree: IdocTree): number {
  const items = tree.items.reduce(
    (sum, i) =>
      sum +
      1 +
      i.materialIds.length +
      i.scheduleLines.length +
      i.amounts.length +
      i.texts.length +
      i.unknown.length,
    0,
  );
  const header = [
    tree.organization,
    tree.dates,
    tree.partners,
    tree.references,
    tree.texts,
    tree.totals,
    tree.unknown,
  ];
  return 1 + header.reduce((sum, list) => sum + list.length, 0) + items;
}

describe('SAP simulator: ORDERS05 files', () => {
  let sap: SapHarness;
  beforeAll(async () => {
    sap = await startSap();
  });
  afterAll(() => sap.close());

  it('writes several IDocs per file on demand; the hub reader agrees on DOCNUMs and segment counts', async () => {
    const { status, body } = await sap.call<Drop>('POST', '/sim/orders', {
      count: 5,
      idocsPerFile: 2,
      variant: 'plain',
    });
    expect(status).toBe(201);
    expect(body.files.map((f) => f.docnums.length)).toEqual([2, 2, 1]);
    const docnums = body.files.flatMap((f) => f.docnums);
    expect(new Set(docnums).size).toBe(5);
    for (const file of body.files) {
      const bytes = readFileSync(join(sap.dropDir, file.file));
      const docs = reader.parse(bytes);
      expect(docs.map((d) => d.id)).toEqual(file.docnums);
      expect(docs.map((d) => d.kind)).toEqual(file.docnums.map(() => 'ORDERS'));
      expect(docs.map((d) => segmentsOf(d.tree))).toEqual(file.segments);
      for (const [i, doc] of docs.entries()) {
        expect(doc.tree.header.BELNR).toBe(file.orderNumbers[i]);
        const count = doc.tree.totals.find((t) => t.SUMID === '001');
        expect(Number(count?.SUMME)).toBe(doc.tree.items.length);
        const total = doc.tree.items.reduce((s, item) => s + Number(item.NETWR), 0);
        const declared = Number(doc.tree.totals.find((t) => t.SUMID === '002')?.SUMME);
        expect(declared).toBeCloseTo(total, 2);
      }
    }
  });

  it('writes each variant the samples README lists, and the reader still reads them', async () => {
    const variants = [
      'padded-numbers',
      'lifnr-only',
      'zero-dates',
      'no-segment-attribute',
      'crlf',
      'single-quotes',
      'trailing-whitespace',
    ];
    const { body } = await sap.call<Drop>('POST', '/sim/orders', {
      count: 2,
      idocsPerFile: 2,
      variant: variants,
    });
    const file = body.files[0]!;
    expect(file.variants).toEqual([...variants].sort());
    const text = readFileSync(join(sap.dropDir, file.file), 'utf8');
    expect(text).toContain('\r\n');
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    expect(text).toMatch(/^<\?xml version='1\.0' encoding='UTF-8'\?>/);
    expect(text).toMatch(/<EDI_DC40 SEGMENT='1'>/);
    expect(text).toMatch(/<E1EDK01>/);
    expect(text).toMatch(/<MENGE> +\d+\.000<\/MENGE>/);
    expect(text).toMatch(/<\/[A-Z0-9_]+> +\r\n/);
    expect(text).toContain('<DATUM>00000000</DATUM>');
    expect(text).not.toContain('<PARTN>');
    const docs = reader.parse(Buffer.from(text));
    expect(docs.map((d) => d.id)).toEqual(file.docnums);
    const tree = docs[0]!.tree;
    expect(tree.partners.map((p) => p.role)).toEqual(['soldTo', 'shipTo']);
    expect(tree.partners[0]!.partyId).toMatch(/^\d{10}$/);
    expect(tree.dates.find((d) => d.IDDAT === '002')?.date).toBeNull();
    expect(Number(tree.items[0]!.MENGE)).toBeGreaterThan(0);
  });

  it('writes the .ready marker after the data file, and refuses a bad request', async () => {
    const { body } = await sap.call<Drop>('POST', '/sim/orders', { count: 1, ready: true });
    const name = body.files[0]!.file;
    expect(existsSync(join(sap.dropDir, `${name}.ready`))).toBe(true);
    expect(readdirSync(sap.dropDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const bad = await sap.call<{ error: string }>('POST', '/sim/orders', { count: 0, variant: 'sideways' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/count/);
    expect(bad.body.error).toMatch(/variant/);
  });

  it('passes its own credit check for the orders it writes unseeded: their sold-to parties are in its customer master', async () => {
    // Before, the built-in parties were no customers: every credit check answered F2/153 "does not exist".
    const { body } = await sap.call<Drop>('POST', '/sim/orders', { count: 6, idocsPerFile: 6 });
    const orders = readFileSync(join(body.dropDir, body.files[0]!.file), 'utf8');
    const soldTo = [...orders.matchAll(/<PARVW>AG<\/PARVW>\s*<PARTN>(\d+)<\/PARTN>/g)].map((m) => m[1]!);
    expect(soldTo.length).toBeGreaterThan(0);
    for (const kunnr of new Set(soldTo)) {
      const master = await sap.call<{ d: { KUNNR: string; KLIMK: number; SAUFT: number } }>(
        'GET',
        `/sap/customers/${kunnr}`,
      );
      expect(master.status, kunnr).toBe(200);
      // Each order of it counts as open orders, as in SD.
      expect(master.body.d.SAUFT).toBeGreaterThan(0);
      const check = await sap.call<{ d: { result: string } }>('POST', '/sap/credit-check', {
        KUNNR: kunnr,
        amount: 100,
        currency: 'EUR',
      });
      expect(check.status, kunnr).toBe(200);
      expect(check.body.d.result).toBe('approved');
    }
  });

  it('counts each file written in /sim/effects', async () => {
    const { body } = await sap.call<{ count: number; effects: { entityId: string }[] }>(
      'GET',
      '/sim/effects?entityType=IDOC_FILE',
    );
    const written = readdirSync(sap.dropDir).filter((n) => n.endsWith('.xml'));
    expect(body.count).toBe(written.length);
    expect(body.effects.map((e) => e.entityId).sort()).toEqual(written.sort());
  });
});

describe('SAP simulator: scheduled drops', () => {
  it('writes a file every interval, each well-formed with its marker', async () => {
    const sap = await startSap({ intervalMs: 40, idocsPerFile: 3, readyMarker: true });
    try {
      await waitUntil(
        () =>
          existsSync(sap.dropDir) && readdirSync(sap.dropDir).filter((n) => n.endsWith('.ready')).length >= 2,
      );
      const files = readdirSync(sap.dropDir).filter((n) => n.endsWith('.xml'));
      for (const name of files) {
        const text = readFileSync(join(sap.dropDir, name), 'utf8');
        expect(XMLValidator.validate(text)).toBe(true);
        expect(reader.parse(Buffer.from(text))).toHaveLength(3);
      }
      const effects = await sap.call<{ effects: { method: string }[] }>(
        'GET',
        '/sim/effects?entityType=IDOC_FILE',
      );
      expect(effects.body.effects.length).toBeGreaterThanOrEqual(2);
      expect(effects.body.effects.every((e) => e.method === 'TIMER')).toBe(true);
    } finally {
      await sap.close();
    }
  });
});
