import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RetriableError } from '../../lib/errors.ts';
import { keyedFileName, keyedFileWriter, writeAtomically } from './keyed-files.ts';
import { createTestContext } from './test-support.ts';

const KEY = 'sink_c1';
const docs = (...texts: string[]) => texts.map((text) => Buffer.from(text));

describe('keyed files: a redelivered record leaves exactly its last delivery’s documents', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function setUp(readyMarker = false) {
    const dir = mkdtempSync(join(tmpdir(), 'eai-keyed-files-'));
    dirs.push(dir);
    const { context, logs } = createTestContext('sink');
    const options = { dir, filePrefix: 'out_', extension: '.csv', readyMarker };
    const name = (part = 0) => keyedFileName('out_', KEY, '.csv', part);
    const files = () => readdirSync(dir).sort();
    return { dir, logs, name, files, write: keyedFileWriter(options, context) };
  }

  it('three documents, then two: the third file goes, the others hold the new contents', async () => {
    const { dir, name, files, write, logs } = setUp();
    await write(KEY, docs('a1', 'a2', 'a3'));
    expect(files()).toEqual([name(1), name(2), name(3)]);
    await write(KEY, docs('b1', 'b2'));
    expect(files()).toEqual([name(1), name(2)]);
    expect(readFileSync(join(dir, name(2)), 'utf8')).toBe('b2');
    expect(logs.find((l) => String(l.msg).startsWith("removed an earlier delivery's files"))).toMatchObject({
      files: [name(3)],
      written: 2,
    });
  });

  it('two documents, then one: the numbered files go for the one under the bare name; then two again: the bare one goes', async () => {
    const { dir, name, files, write } = setUp();
    await write(KEY, docs('a1', 'a2'));
    await write(KEY, docs('b'));
    expect(files()).toEqual([name(0)]);
    expect(readFileSync(join(dir, name(0)), 'utf8')).toBe('b');
    await write(KEY, docs('c1', 'c2'));
    expect(files()).toEqual([name(1), name(2)]);
  });

  it('nothing written: every file of the record goes, with its markers; another record’s files stay', async () => {
    const { name, files, write } = setUp(true);
    await write('sink_other', docs('x'));
    await write(KEY, docs('a1', 'a2', 'a3'));
    expect(files()).toHaveLength(8);
    await write(KEY, []);
    const other = keyedFileName('out_', 'sink_other', '.csv');
    expect(files()).toEqual([other, `${other}.ready`]);
    // And a single document's file, under the bare name.
    await write(KEY, docs('b'));
    expect(files()).toContain(name(0));
    await write(KEY, []);
    expect(files()).toEqual([other, `${other}.ready`]);
  });

  it('a part the receiver already took away ends the search without an error; the same delivery again removes nothing', async () => {
    const { dir, name, files, write } = setUp();
    await write(KEY, docs('a1', 'a2'));
    rmSync(join(dir, name(1)));
    await write(KEY, docs('b1', 'b2'));
    await write(KEY, docs('b1', 'b2'));
    expect(files()).toEqual([name(1), name(2)]);
  });

  it('a file it cannot remove fails the write with a typed error naming it (the record is retried)', async () => {
    const { dir, name, write } = setUp();
    await write(KEY, docs('a1', 'a2'));
    // What stands under the second part's name now is a folder: unlink refuses it (EISDIR), root or not.
    rmSync(join(dir, name(2)));
    mkdirSync(join(dir, name(2)));
    const failure = write(KEY, docs('b'));
    await expect(failure).rejects.toBeInstanceOf(RetriableError);
    await expect(failure).rejects.toThrow(`sink: removing ${name(2)}: `);
  });
});

describe('writeAtomically', () => {
  it('writes a new temporary file: a link put under its name (the folder is shared) is not written through', async () => {
    const root = mkdtempSync(join(tmpdir(), 'eai-keyed-files-'));
    try {
      const dir = join(root, 'out');
      mkdirSync(dir);
      const precious = join(root, 'precious.txt');
      writeFileSync(precious, 'the hub must not write here\n');
      // Whoever may read the output folder may write into it too: the temporary name is predictable.
      symlinkSync(precious, join(dir, `.doc.csv.${process.pid}.tmp`));
      await writeAtomically(dir, 'doc.csv', Buffer.from('id,name\n1,Jane\n'));
      expect(readFileSync(precious, 'utf8')).toBe('the hub must not write here\n');
      expect(readFileSync(join(dir, 'doc.csv'), 'utf8')).toBe('id,name\n1,Jane\n');
      expect(readdirSync(dir)).toEqual(['doc.csv']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
