import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findReader } from '../../../formats/index.ts';
import { makeOrderLine, seededRandom } from '../../../formats/shopify-order/fixtures/large.ts';
import { FormatError } from '../../../formats/types.ts';
import { createFileDropSource } from '../file-drop.ts';
import { testContext } from '../test-support.ts';
import { createSplitter, NotEnvelopeError, splitBuffer, splitFile } from './index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'eai-json-lines-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const reader = findReader('shopify-order');
const fixtures = join(import.meta.dirname, '../../../formats/shopify-order/fixtures');
/** The shopify-order fixtures, each compacted onto one line. */
const orders = readdirSync(fixtures)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => JSON.stringify(JSON.parse(readFileSync(join(fixtures, name), 'utf8'))));

const bytes = (text: string | undefined) => Buffer.byteLength(text!);
const texts = (bytes: Buffer) => splitBuffer('json-lines', bytes).map((p) => p.bytes.toString('utf8'));

describe('json-lines splitter', () => {
  it('cuts one piece per line; each reads alone as the order it was', () => {
    const file = Buffer.from(`${orders.join('\n')}\n`);
    const pieces = splitBuffer('json-lines', file);
    expect(pieces.map((p) => p.bytes.toString('utf8'))).toEqual(orders);
    expect(pieces.every((p) => !p.broken)).toBe(true);
    // Each line starts one byte (its newline) after the end of the one before.
    let start = 0;
    const where = orders.map((order, i) => {
      const at = `line ${i + 1} (byte ${start})`;
      start += bytes(order) + 1;
      return at;
    });
    expect(where.length).toBeGreaterThanOrEqual(3);
    expect(pieces.map((p) => p.where)).toEqual(where);
    expect(pieces.map((p) => reader.parse(p.bytes)[0]!.id)).toEqual(
      orders.map((o) => reader.parse(Buffer.from(o))[0]!.id),
    );
  });

  it('takes CRLF, blank and whitespace-only lines, a byte-order mark and a last line without newline', () => {
    const [a, b, c] = orders;
    const file = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`${a}\r\n\r\n   \n\t${b}  \r\n\n${c}`),
    ]);
    expect(texts(file)).toEqual([a, b, c]);
  });

  it('gives the same pieces cut at any chunk boundary', async () => {
    const file = Buffer.from(`\uFEFF${orders.join('\r\n')}\n\n${orders[0]}`);
    const expected = texts(file);
    const path = join(tmp, 'chunks.jsonl');
    writeFileSync(path, file);
    for (const highWaterMark of [1, 2, 61, 1000, 1 << 16]) {
      const pieces: string[] = [];
      for await (const piece of splitFile(path, 'json-lines', { highWaterMark }))
        pieces.push(piece.bytes.toString('utf8'));
      expect(pieces, `highWaterMark ${highWaterMark}`).toEqual(expected);
    }
  });

  it('hands a bad line on as it is: its reader refuses it, the lines around it read', () => {
    const file = Buffer.from(`${orders[0]}\n{"id": 1, "created_at": \n${orders[1]}\n`);
    const pieces = splitBuffer('json-lines', file);
    expect(pieces).toHaveLength(3);
    expect(() => reader.parse(pieces[1]!.bytes)).toThrow(FormatError);
    expect(pieces[1]!.where).toBe(`line 2 (byte ${bytes(orders[0]) + 1})`);
    expect([pieces[0], pieces[2]].flatMap((p) => reader.parse(p!.bytes))).toHaveLength(2);
  });

  it('refuses a file that is not JSON lines, and an empty one, as a whole', () => {
    expect(() => splitBuffer('json-lines', Buffer.from('ISA*00*          *00*\n'))).toThrow(NotEnvelopeError);
    expect(() => splitBuffer('json-lines', Buffer.from('\n\nhello\n{"a":1}\n'))).toThrow(
      /json-lines: line 3: not JSON lines/,
    );
    expect(() => splitBuffer('json-lines', Buffer.from(' \n\r\n'))).toThrow(/json-lines: byte 0: empty file/);
  });

  it('a line over the limit goes out as a broken head, the rest of it skipped, and the next line is whole', () => {
    const splitter = createSplitter('json-lines', 100);
    const long = `{"id": 1, "note": "${'x'.repeat(500)}"}`;
    const pieces = [
      ...splitter.push(Buffer.from(`{"a":1}\n${long.slice(0, 250)}`)),
      ...splitter.push(Buffer.from(`${long.slice(250)}\n{"b":2}\n`)),
      ...splitter.end(),
    ];
    expect(
      pieces.map((p) => [p.broken, p.bytes.length <= 100 ? p.bytes.toString() : p.bytes.length]),
    ).toEqual([
      [false, '{"a":1}'],
      [true, 250],
      [false, '{"b":2}'],
    ]);
    expect(pieces[1]!.where).toBe(
      'line 2 (byte 8): over the 100-byte limit for one document; the rest of the line is skipped',
    );
  });
});

describe('a JSON lines file of Shopify orders through the file-drop source', () => {
  it('streams ~30 MB of orders with bounded memory; a bad line is one refused document among the rest', async () => {
    const dir = join(tmp, 'drop');
    const path = join(dir, 'orders.jsonl');
    const count = 25_000;
    const bad = 12_345;
    const random = seededRandom(3);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir);
    const out = createWriteStream(path);
    for (let seq = 1; seq <= count; seq++) {
      const line =
        seq === bad
          ? '{"id": 5000000012345, "created_at": "not a time", "currency": "USD"}'
          : makeOrderLine(random, seq);
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const task = createFileDropSource(
      { dir, split: 'json-lines', splitAboveBytes: 0, stableMs: 0, idleWaitMs: 10, batchSize: 1000 },
      { ...testContext('json-lines-test'), baseDir: tmp },
    );
    await task.start(new Map());
    const before = process.memoryUsage().rss;
    let peak = before;
    let read = 0;
    const refused: string[] = [];
    for (;;) {
      const documents = await task.poll();
      if (documents.length === 0) break;
      for (const document of documents) {
        try {
          reader.parse(document.bytes);
          read++;
        } catch (error) {
          expect(error).toBeInstanceOf(FormatError);
          refused.push(`${document.name}: ${(error as FormatError).location}`);
        }
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      await task.commit(documents, { ok: true, published: documents.length, deadLettered: 0 });
    }
    await task.stop();
    expect(read).toBe(count - 1);
    expect(refused).toEqual([`orders.jsonl#${bad}: /created_at`]);
    expect(readdirSync(join(dir, 'done'))).toEqual(['orders.jsonl']);
    expect(
      peak - before,
      `rss grew by ${Math.round((peak - before) / 1048576)} MiB from ${Math.round(before / 1048576)}`,
    ).toBeLessThan(150 * 1024 * 1024);
  }, 60_000);
});
