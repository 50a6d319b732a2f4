import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { isRetriable, quotedValue, RetriableError } from '../../lib/errors.ts';
import type { ConnectorContext, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import {
  createFileDropSource,
  type FileDropOptions,
  fileDropConfig,
  fileDropOffsetProblem,
} from './file-drop.ts';
import { createTestContext, testContext } from './test-support.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eai-file-drop-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
async function folder(): Promise<string> {
  const dir = join(root, `drop-${++folders}`);
  await mkdir(dir);
  return dir;
}

function context(): ConnectorContext {
  return { ...testContext('file-drop-test'), baseDir: root };
}

/** An 850 interchange with `sets` ST..SE sets, control numbers from `first`. */
function x12(sets: number, first = 1, control = 1): string {
  const isa = `ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BIGRETAIL      *240312*0930*U*00401*${String(control).padStart(9, '0')}*0*P*>~\n`;
  let body = 'GS*PO*ACMESUPPLY*BIGRETAIL*20240312*0930*7*X*004010~\n';
  for (let i = first; i < first + sets; i++) body += set850(i);
  return `${isa}${body}GE*${sets}*7~\nIEA*1*${String(control).padStart(9, '0')}~\n`;
}

function set850(n: number): string {
  const control = String(n).padStart(4, '0');
  return [
    `ST*850*${control}~`,
    `BEG*00*SA*PO-${control}**20240311~`,
    'CUR*BY*USD~',
    'N1*ST*BIGRETAIL DC 7*92*DC007~',
    'PO1*1*48*EA*3.25*PE*UP*061414112345~',
    'CTT*1*48~',
    `SE*7*${control}~`,
    '',
  ].join('\n');
}

/**
 * The runtime's side, as it will be: start with the committed positions, poll, "publish" a batch and its last
 * position per partition atomically, then commit. `crash` stops after a batch at one of the two crash points.
 */
class Runtime {
  positions = new Map<string, Json>();
  published: SourceDocument[] = [];

  async run(
    options: FileDropOptions,
    limits: {
      batches?: number;
      crash?: 'before-publish' | 'before-commit';
      idlePolls?: number;
      /** The runtime's refusal of a document (dead-lettered whole): its reason. */
      refuse?: (document: SourceDocument) => string | undefined;
    } = {},
  ): Promise<SourceTask> {
    const task = createFileDropSource(options, context());
    await task.start(new Map(this.positions));
    let idle = 0;
    for (let batch = 1; ; ) {
      const documents = await task.poll();
      if (documents.length === 0) {
        if (++idle >= (limits.idlePolls ?? 2)) break;
        continue;
      }
      idle = 0;
      const crashing = limits.batches !== undefined && batch === limits.batches;
      if (crashing && limits.crash === 'before-publish') return task;
      this.published.push(...documents);
      for (const document of documents) {
        if (document.position) this.positions.set(document.position.partition, document.position.offset);
      }
      if (crashing && limits.crash === 'before-commit') return task;
      // As the runtime does: a document the source refused whole is dead-lettered with its reason.
      const refused = new Map<SourceDocument, string>();
      for (const document of documents) {
        const why = document.refused ?? limits.refuse?.(document);
        if (why !== undefined) refused.set(document, why);
      }
      await task.commit(documents, {
        ok: true,
        published: documents.length - refused.size,
        deadLettered: refused.size,
        refused,
      });
      if (crashing) return task;
      batch++;
    }
    await task.stop();
    return task;
  }

  names(): string[] {
    return this.published.filter((d) => d.refused === undefined).map((d) => d.name!);
  }

  /** The documents the source refused whole (each dead-lettered by the runtime), with why. */
  refusals(): Array<[string, string]> {
    return this.published.filter((d) => d.refused !== undefined).map((d) => [d.name!, d.refused!]);
  }
}

const fast = { stableMs: 0, idleWaitMs: 10 } as const;

describe('file-drop source: the folder itself', () => {
  it('a folder missing at start fails the task for good, naming config.dir and how to go on', async () => {
    // Before, the connector stayed RUNNING with the error only in lastError.
    const dir = join(root, 'never-made');
    const task = createFileDropSource({ dir, split: 'x12', ...fast }, context());
    const failed = (await task.start(new Map()).catch((error: unknown) => error)) as Error;
    expect(failed.message).toBe(
      `file-drop-test: drop folder ${dir} does not exist: create it, or set config.dir to the folder the system writes its files to; then restart the connector (npx eai connectors restart file-drop-test)`,
    );
    expect(isRetriable(failed)).toBe(false);
    await writeFile(dir, 'a file, not a folder');
    await expect(createFileDropSource({ dir, ...fast }, context()).start(new Map())).rejects.toThrow(
      `drop folder ${dir} is not a folder`,
    );
  });

  it('a folder that goes away while it runs, or is no folder then, is said in words naming config.dir; once back, it is read', async () => {
    const dir = join(root, 'not-yet');
    await mkdir(dir);
    const task = createFileDropSource({ dir, split: 'x12', ...fast }, context());
    await task.start(new Map());
    await rm(dir, { recursive: true });
    await expect(task.poll()).rejects.toThrow(
      `drop folder ${dir} does not exist: create it, or set config.dir to the folder the system writes its files to`,
    );
    await writeFile(dir, 'a file, not a folder');
    await expect(task.poll()).rejects.toThrow(`drop folder ${dir} is not a folder`);
    await rm(dir);
    await mkdir(dir);
    await writeFile(join(dir, 'a.edi'), x12(1));
    let documents: SourceDocument[] = [];
    for (let i = 0; i < 5 && documents.length === 0; i++) documents = await task.poll();
    expect(documents.map((d) => d.name)).toEqual(['a.edi#1']);
    await task.stop();
  });

  it('a folder gone between a commit and its file moving to done/ is not made again (a lost mount stays lost); the move waits', async () => {
    const dir = join(root, 'gone-before-the-move');
    await mkdir(dir);
    await writeFile(join(dir, 'b.edi'), x12(1));
    const task = createFileDropSource({ dir, split: 'x12', ...fast }, context());
    await task.start(new Map());
    let documents: SourceDocument[] = [];
    for (let i = 0; i < 5 && documents.length === 0; i++) documents = await task.poll();
    expect(documents.map((d) => d.name)).toEqual(['b.edi#1']);
    await rm(dir, { recursive: true });
    await task.commit(documents, { ok: true, published: 1, deadLettered: 0 });
    // Before, done/ was made with its parents: the drop folder came back, empty, and the folder's loss went unseen.
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(task.poll()).rejects.toThrow(`drop folder ${dir} does not exist`);
    await task.stop();
  });
});

describe('file-drop source: small files', () => {
  it('reads each file whole, oldest first, and moves it to done/ once committed', async () => {
    const dir = await folder();
    // Two interchanges, so two control numbers: one ISA13 twice is a duplicate (file-drop-duplicates.spec.ts).
    await writeFile(join(dir, 'b.edi'), x12(2, 10, 2));
    await writeFile(join(dir, 'a.edi'), x12(1, 20));
    await writeFile(join(dir, 'ignored.txt'), 'not matched');
    const runtime = new Runtime();
    await runtime.run({ dir, pattern: '*.edi', split: 'x12', ...fast });
    expect(runtime.names().sort()).toEqual(['a.edi#1', 'b.edi#1']);
    expect(runtime.published.find((d) => d.name === 'b.edi#1')!.bytes.toString()).toBe(x12(2, 10, 2));
    expect((await readdir(dir)).sort()).toEqual(['done', 'ignored.txt']);
    expect((await readdir(join(dir, 'done'))).sort()).toEqual(['a.edi', 'b.edi']);
  });

  it('does not read a file while it is still growing, only once its size stood still for stableMs', async () => {
    const dir = await folder();
    const path = join(dir, 'growing.edi');
    const content = x12(3);
    await writeFile(path, content.slice(0, 100));
    const task = createFileDropSource({ dir, split: 'x12', stableMs: 300, idleWaitMs: 20 }, context());
    await task.start(new Map());
    for (let written = 100; written < content.length; written += 100) {
      expect(await task.poll()).toEqual([]);
      await appendFile(path, content.slice(written, written + 100));
      await new Promise((r) => setTimeout(r, 60));
    }
    let documents: SourceDocument[] = [];
    const deadline = Date.now() + 3000;
    while (documents.length === 0 && Date.now() < deadline) documents = await task.poll();
    expect(documents.map((d) => d.bytes.toString())).toEqual([content]);
    await task.stop();
  });

  it('in readyMarker mode reads a file only once <file>.ready exists, and removes the marker with it', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'po.edi'), x12(1));
    const task = createFileDropSource({ dir, split: 'x12', readyMarker: true, idleWaitMs: 10 }, context());
    await task.start(new Map());
    expect(await task.poll()).toEqual([]);
    expect(await task.poll()).toEqual([]);
    await writeFile(join(dir, 'po.edi.ready'), '');
    const documents = await task.poll();
    expect(documents.map((d) => d.name)).toEqual(['po.edi#1']);
    await task.commit(documents, { ok: true, published: 1, deadLettered: 0 });
    expect(await readdir(dir)).toEqual(['done']);
    expect(await readdir(join(dir, 'done'))).toEqual(['po.edi']);
    await task.stop();
  });

  it('keeps the name in done/ and adds a timestamp on a clash', async () => {
    const dir = await folder();
    await mkdir(join(dir, 'done'));
    await writeFile(join(dir, 'done', 'po.edi'), 'earlier');
    await writeFile(join(dir, 'po.edi'), x12(1));
    await new Runtime().run({ dir, split: 'x12', ...fast });
    const done = await readdir(join(dir, 'done'));
    expect(done).toHaveLength(2);
    const moved = done.find((name) => name !== 'po.edi')!;
    expect(moved).toMatch(/^po\.\d{8}T\d{9}Z\.edi$/);
    expect(await readFile(join(dir, 'done', moved), 'utf8')).toBe(x12(1));
    expect(await readFile(join(dir, 'done', 'po.edi'), 'utf8')).toBe('earlier');
  });

  it('moves a file that is not the envelope to error/ with a .reason naming the error and where', async () => {
    const dir = await folder();
    const letter = 'Dear supplier, please find our order attached.\n';
    await writeFile(join(dir, 'bad.edi'), letter);
    await writeFile(join(dir, 'good.edi'), x12(1));
    const runtime = new Runtime();
    await runtime.run({ dir, split: 'x12', ...fast });
    expect(runtime.names()).toEqual(['good.edi#1']);
    // Handed out refused, so the runtime dead-letters its bytes and counts it failed, as a bad message of a good file.
    expect(runtime.refusals()).toEqual([
      ['bad.edi#1', expect.stringMatching(/^x12: segment 1, line 1: not an X12 interchange: expected ISA/)],
    ]);
    expect(runtime.published.find((d) => d.name === 'bad.edi#1')!.bytes.toString()).toBe(letter);
    expect((await readdir(join(dir, 'error'))).sort()).toEqual(['bad.edi', 'bad.edi.reason']);
    const reason = await readFile(join(dir, 'error', 'bad.edi.reason'), 'utf8');
    expect(reason).toMatch(
      /file: bad\.edi\nerror: x12: segment 1, line 1: not an X12 interchange: expected ISA/,
    );
  });

  it('moves a file none of whose messages could be mapped to error/ with a .reason; one with some mapped to done/', async () => {
    // One document a file (split none): a file the mapping refused goes to error/, as one the splitter refused does.
    const whole = await folder();
    await writeFile(join(whole, 'garbage.edi'), 'ISA*00*garbage~');
    await writeFile(join(whole, 'good.edi'), x12(1));
    const refuse = (document: SourceDocument) =>
      document.name === 'c-one-bad.edi#2' || !/^(c-|good)/.test(document.name ?? '')
        ? `FormatError: cannot read ${document.name}`
        : undefined;
    const first = new Runtime();
    await first.run({ dir: whole, ...fast }, { refuse });
    expect(first.names()).toEqual(['garbage.edi#1', 'good.edi#1']);
    expect((await readdir(join(whole, 'error'))).sort()).toEqual(['garbage.edi', 'garbage.edi.reason']);
    expect(await readdir(join(whole, 'done'))).toEqual(['good.edi']);
    // One document: said of the file, not as "none of its 1 message(s)".
    expect(await readFile(join(whole, 'error', 'garbage.edi.reason'), 'utf8')).toContain(
      'error: it could not be read or mapped; it is in the dead-letter topic with its bytes and reason (npx eai dlq ls dlq.mapping --owner file-drop-test)\nmessage garbage.edi#1: FormatError: cannot read garbage.edi#1',
    );
    // Split files: b's three messages span two batches (batchSize 2), judged with the batch that finishes the file.
    const dir = await folder();
    await writeFile(join(dir, 'b-all-bad.edi'), x12(3, 1));
    await writeFile(join(dir, 'c-one-bad.edi'), x12(2, 10, 2));
    await new Runtime().run({ dir, split: 'x12', splitAboveBytes: 0, batchSize: 2, ...fast }, { refuse });
    expect((await readdir(join(dir, 'error'))).sort()).toEqual(['b-all-bad.edi', 'b-all-bad.edi.reason']);
    expect(await readdir(join(dir, 'done'))).toEqual(['c-one-bad.edi']);
    const reason = await readFile(join(dir, 'error', 'b-all-bad.edi.reason'), 'utf8');
    expect(reason).toContain(
      'error: none of its 3 messages could be read or mapped; each is in the dead-letter topic with its bytes and reason (npx eai dlq ls dlq.mapping --owner file-drop-test)',
    );
    expect(reason).toContain('message b-all-bad.edi#3: FormatError: cannot read b-all-bad.edi#3');
    expect(await readFile(join(dir, 'error', 'b-all-bad.edi'), 'utf8')).toBe(x12(3, 1));
  });

  it("writes a .reason without the hub's value marks: whoever dropped the file reads the values plainly", async () => {
    const dir = await folder();
    await writeFile(join(dir, 'po.edi'), x12(1));
    // A reason as the readers and mappings write it: the value between the marks a viewer's copy hides.
    const refuse = () =>
      `FormatError: x12-850: N1 (segment 4, line 4), element N102: got ${quotedValue('Jane Roe')}`;
    await new Runtime().run({ dir, ...fast }, { refuse });
    const reason = await readFile(join(dir, 'error', 'po.edi.reason'), 'utf8');
    expect(reason).toContain('element N102: got "Jane Roe"');
    expect(reason).not.toMatch(/[\u2068\u2069]/);
  });

  it('moves a file over the one-document limit to error/ when split is none, its dead letter holding the first 8 MiB', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'huge.xml'), Buffer.alloc(9 * 1024 * 1024, 0x20));
    const runtime = new Runtime();
    await runtime.run({ dir, ...fast });
    expect(runtime.names()).toEqual([]);
    expect(runtime.refusals()).toEqual([
      [
        'huge.xml#1',
        'file is 9437184 bytes, over the 8388608-byte limit for one document, and split is none (the dead letter holds its first 8388608 of 9437184 bytes; the file is whole in error/)',
      ],
    ]);
    expect(runtime.published[0]!.bytes.length).toBe(8 * 1024 * 1024);
    const reason = await readFile(join(dir, 'error', 'huge.xml.reason'), 'utf8');
    expect(reason).toMatch(
      /error: file is 9437184 bytes, over the 8388608-byte limit for one document, and split is none/,
    );
  });

  it("split idoc-xml (the SAP IDoc source's default) reads an IDoc flat file whole; one over the limit is refused saying why", async () => {
    // Before, the flat file a SAP file port writes went to error/ with "idoc-xml: end of file: no root element".
    const flat = await readFile(
      new URL('../../formats/sap-idoc-orders05/fixtures/flat-file-port-orders.txt', import.meta.url),
    );
    const xml = await readFile(
      new URL('../../formats/sap-idoc-orders05/fixtures/several-idocs.xml', import.meta.url),
    );
    const dir = await folder();
    await writeFile(join(dir, 'a-flat.txt'), flat);
    await writeFile(join(dir, 'b-xml.xml'), xml);
    await writeFile(join(dir, 'c-letter.txt'), 'Dear supplier\n');
    const runtime = new Runtime();
    await runtime.run({ dir, split: 'idoc-xml', ...fast });
    expect(runtime.names()).toEqual(['a-flat.txt#1', 'b-xml.xml#1']);
    expect(runtime.published.find((d) => d.name === 'a-flat.txt#1')!.bytes).toEqual(flat);
    expect(runtime.refusals()).toEqual([['c-letter.txt#1', 'idoc-xml: end of file: no root element']]);
    // Over splitAboveBytes it is told by its first bytes: still one document, while IDoc-XML is cut per <IDOC>.
    const streamed = await folder();
    await writeFile(join(streamed, 'a-flat.txt'), flat);
    await writeFile(join(streamed, 'b-xml.xml'), xml);
    const cut = new Runtime();
    await cut.run({ dir: streamed, split: 'idoc-xml', splitAboveBytes: 0, ...fast });
    expect(cut.names()).toEqual(['a-flat.txt#1', 'b-xml.xml#1', 'b-xml.xml#2']);
    expect(await readdir(join(streamed, 'done'))).toEqual(['a-flat.txt', 'b-xml.xml']);
    const huge = await folder();
    await writeFile(join(huge, 'big.txt'), Buffer.concat([flat, Buffer.alloc(9 * 1024 * 1024, 0x20)]));
    const refused = new Runtime();
    await refused.run({ dir: huge, split: 'idoc-xml', ...fast });
    expect(refused.refusals()).toEqual([
      [
        'big.txt#1',
        expect.stringMatching(
          /^an IDoc flat file of \d+ bytes, over the 8388608-byte limit for one document: flat files are read whole, not cut per IDoc; have the port write smaller files, or IDoc-XML \(the dead letter holds its first 8388608 of/,
        ),
      ],
    ]);
  });

  it('says a batch a stopping task leaves at info, without a stack; one whose transaction failed as a warning', async () => {
    // A rolling restart stops every source with a batch under way: it warned, with a stack, at each one.
    const dir = await folder();
    await writeFile(join(dir, 'a.edi'), x12(1));
    const { context: base, logs, abort } = createTestContext('file-drop-test');
    const task = createFileDropSource({ dir, ...fast }, { ...base, baseDir: root });
    await task.start(new Map());
    const batch = await task.poll();
    expect(batch).toHaveLength(1);
    await task.commit(batch, { ok: false, error: new Error('transaction aborted') });
    const again = await task.poll();
    abort();
    await task.commit(again, { ok: false, error: new RetriableError('stopping') });
    await task.stop();
    expect(
      logs.filter((l) => String(l.msg).startsWith('file-drop: ')).map((l) => [l.level, l.msg, !!l.err]),
    ).toEqual([
      [40, 'file-drop: batch not committed; it is polled again', true],
      [30, 'file-drop: task stopping; its batch was not committed and is read again by the next task', false],
    ]);
  });

  it('moves a refused file to error/ only once its dead letter is committed; a failed batch hands it out again', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'empty.edi'), '');
    const task = createFileDropSource({ dir, split: 'x12', ...fast }, context());
    await task.start(new Map());
    const batch = await task.poll();
    expect(batch.map((d) => [d.name, d.bytes.length, d.refused])).toEqual([
      ['empty.edi#1', 0, expect.stringMatching(/^x12: /)],
    ]);
    expect(batch[0]!.position!.offset).toMatchObject({ file: 'empty.edi', message: 1, done: true });
    expect(await readdir(dir)).toEqual(['empty.edi']);
    await task.commit(batch, { ok: false, error: new Error('transaction aborted') });
    const again = await task.poll();
    expect(again).toEqual(batch);
    await task.commit(again, {
      ok: true,
      published: 0,
      deadLettered: 1,
      refused: new Map([[again[0]!, `SourceRefusal: ${again[0]!.refused}`]]),
    });
    expect((await readdir(join(dir, 'error'))).sort()).toEqual(['empty.edi', 'empty.edi.reason']);
    expect(await readFile(join(dir, 'error', 'empty.edi.reason'), 'utf8')).toMatch(
      /^file: empty\.edi\nerror: x12: /,
    );
    await task.stop();
  });

  it('writes a .reason as a new file: a link put in error/ under its name does not have the hub write where it points', async () => {
    const dir = await folder();
    const precious = join(root, `precious-${folders}.txt`);
    await writeFile(precious, 'the hub must not write here\n');
    await mkdir(join(dir, 'error'));
    // Whoever may drop files may write into error/ too: a link named as the next refused file's reason.
    await symlink(precious, join(dir, 'error', 'bad.edi.reason'));
    await symlink(join(root, `nothing-${folders}.txt`), join(dir, 'error', 'worse.edi.reason'));
    await writeFile(join(dir, 'bad.edi'), 'not an interchange');
    await writeFile(join(dir, 'worse.edi'), 'not one either');
    await new Runtime().run({ dir, split: 'x12', ...fast });
    expect(await readFile(precious, 'utf8')).toBe('the hub must not write here\n');
    expect(await readdir(root)).not.toContain(`nothing-${folders}.txt`);
    const error = (await readdir(join(dir, 'error'))).sort();
    expect(error).toHaveLength(6);
    for (const name of ['bad', 'worse']) {
      const moved = error.find((f) => new RegExp(`^${name}\\.\\d{8}T\\d{9}Z\\.edi$`).test(f))!;
      expect(await readFile(join(dir, 'error', `${moved}.reason`), 'utf8')).toMatch(
        new RegExp(`^file: ${name}\\.edi\nerror: x12: `),
      );
    }
  });

  it('moves a refused file committed just before a crash to error/ at the restart, with its reason, not to done/', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'bad.edi'), 'not an interchange');
    const runtime = new Runtime();
    await runtime.run({ dir, split: 'x12', ...fast }, { batches: 1, crash: 'before-commit' });
    expect(await readdir(dir)).toEqual(['bad.edi']);
    await runtime.run({ dir, split: 'x12', ...fast });
    expect(runtime.refusals().map(([name]) => name)).toEqual(['bad.edi#1']);
    expect((await readdir(join(dir, 'error'))).sort()).toEqual(['bad.edi', 'bad.edi.reason']);
    expect(await readFile(join(dir, 'error', 'bad.edi.reason'), 'utf8')).toMatch(
      /^file: bad\.edi\nerror: x12: /,
    );
  });

  it('refuses a bad config naming the field', () => {
    expect(() => createFileDropSource({ dir: 'x', batchSize: 0 }, context())).toThrow(
      /file-drop-test: batchSize: /,
    );
    expect(() => createFileDropSource({ dir: 'x', pattern: '/(/' }, context())).toThrow(
      /pattern: invalid pattern/,
    );
    // As the config is read (validate, PUT /connectors): not only once the connector starts.
    const read = fileDropConfig.safeParse({ dir: 'x', pattern: '/[/' });
    expect(read.success).toBe(false);
    expect(read.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['pattern', expect.stringMatching(/^invalid pattern "\/\[\/": Invalid regular expression/)],
    ]);
    expect(fileDropConfig.parse({ dir: 'x', pattern: 'ORD_*.{edi,x12}' }).pattern).toBe('ORD_*.{edi,x12}');
  });
});

describe('file-drop source: split files, positions and crashes', () => {
  const files = { 'a.edi': x12(4, 1, 1), 'b.edi': x12(1, 10, 2), 'c.edi': x12(5, 20, 3) };
  const options = (dir: string): FileDropOptions => ({
    dir,
    split: 'x12',
    splitAboveBytes: 0,
    batchSize: 3,
    ...fast,
  });
  const expected = [
    ...['a.edi#1', 'a.edi#2', 'a.edi#3', 'a.edi#4', 'b.edi#1'],
    ...['c.edi#1', 'c.edi#2', 'c.edi#3', 'c.edi#4', 'c.edi#5'],
  ];

  async function dropFolder(): Promise<string> {
    const dir = await folder();
    let mtime = 1_700_000_000;
    for (const [name, content] of Object.entries(files)) {
      await writeFile(join(dir, name), content);
      await utimes(join(dir, name), mtime, mtime++);
    }
    return dir;
  }

  it('splits files into messages that read alone, with positions that name file, message and done', async () => {
    const dir = await dropFolder();
    const runtime = new Runtime();
    await runtime.run(options(dir));
    expect(runtime.names()).toEqual(expected);
    const reader = findReader('x12-850');
    const ids = runtime.published.flatMap((d) => reader.parse(d.bytes).map((p) => p.id));
    const whole = Object.values(files).flatMap((content) =>
      reader.parse(Buffer.from(content)).map((p) => p.id),
    );
    expect(ids).toEqual(whole);
    const last = runtime.published.find((d) => d.name === 'b.edi#1')!.position!.offset as Record<
      string,
      Json
    >;
    expect(last).toMatchObject({ file: 'b.edi', message: 1, done: true, finished: [{ file: 'a.edi' }] });
    expect(runtime.published[1]!.position!.offset).toMatchObject({ file: 'a.edi', message: 2, done: false });
    expect(await readdir(join(dir, 'done'))).toEqual(['a.edi', 'b.edi', 'c.edi']);
  });

  for (const crash of ['before-publish', 'before-commit'] as const) {
    it(`after a crash ${crash} at every batch, each message is published exactly once`, async () => {
      const batches = Math.ceil(expected.length / 3);
      for (let at = 1; at <= batches; at++) {
        const dir = await dropFolder();
        const runtime = new Runtime();
        // The crashed task is dropped as a kill -9 would leave it: no commit, no stop.
        await runtime.run(options(dir), { batches: at, crash });
        await runtime.run(options(dir));
        expect(runtime.names(), `crash ${crash} at batch ${at}`).toEqual(expected);
        expect(await readdir(dir)).toEqual(['done']);
        expect(await readdir(join(dir, 'done'))).toEqual(['a.edi', 'b.edi', 'c.edi']);
      }
    });
  }

  it('says in its status how far it is: the file being read, its messages read and committed, files waiting and moved', async () => {
    // The scale trial: a 300 MB file was read for minutes with no sign of where it was but counters since the start.
    const dir = await dropFolder();
    const task = createFileDropSource(options(dir), context());
    await task.start(new Map());
    const files = () => (task.status!() as { files: Json }).files;
    expect(files()).toEqual({ reading: null, waiting: 0, done: 0, refused: 0 });
    const first = await task.poll(); // a.edi#1..3
    const reading = { file: 'a.edi', bytes: Buffer.byteLength(x12(4, 1, 1)) };
    expect(files()).toEqual({
      reading: { ...reading, messagesRead: 3, messagesCommitted: 0 },
      waiting: 2,
      done: 0,
      refused: 0,
    });
    await task.commit(first, { ok: true, published: 3, deadLettered: 0 });
    expect(files()).toMatchObject({ reading: { ...reading, messagesRead: 3, messagesCommitted: 3 } });
    const second = await task.poll(); // a.edi#4, b.edi#1, c.edi#1
    await task.commit(second, { ok: true, published: 3, deadLettered: 0 });
    expect(files()).toEqual({
      reading: {
        file: 'c.edi',
        bytes: Buffer.byteLength(x12(5, 20, 3)),
        messagesRead: 1,
        messagesCommitted: 1,
      },
      waiting: 0,
      done: 2,
      refused: 0,
    });
    await task.stop();

    // After a restart the file resumed counts its messages from its start, not from the restart.
    const resumed = createFileDropSource(options(dir), context());
    await resumed.start(new Map([[dir, second.at(-1)!.position!.offset]]));
    await resumed.poll(); // c.edi#2..4
    expect((resumed.status!() as { files: Json }).files).toMatchObject({
      reading: { file: 'c.edi', messagesRead: 4, messagesCommitted: 1 },
    });
    await resumed.stop();
  });

  it('a failed commit has the same documents polled again, and nothing moved', async () => {
    const dir = await dropFolder();
    const task = createFileDropSource(options(dir), context());
    await task.start(new Map());
    await task.poll(); // a.edi#1..3
    await task.commit([], { ok: true, published: 3, deadLettered: 0 });
    const batch = await task.poll(); // a.edi#4, b.edi#1, c.edi#1
    expect(batch.map((d) => d.name)).toEqual(['a.edi#4', 'b.edi#1', 'c.edi#1']);
    await task.commit(batch, { ok: false, error: new Error('transaction aborted') });
    expect(await readdir(dir)).toEqual(['a.edi', 'b.edi', 'c.edi']);
    const again = await task.poll();
    expect(again).toEqual(batch);
    await task.commit(again, { ok: true, published: 3, deadLettered: 0 });
    expect((await readdir(dir)).sort()).toEqual(['c.edi', 'done']);
    expect((await task.poll()).map((d) => d.name)).toEqual(['c.edi#2', 'c.edi#3', 'c.edi#4']);
    await task.stop();
  });

  it('polls ahead: what was polled after a failed batch is handed out again in order before anything new, and a file moves only with the batch that finished it', async () => {
    const dir = await dropFolder();
    const task = createFileDropSource(options(dir), context());
    expect(task.pollsAhead).toBe(true);
    await task.start(new Map());
    const names = (batch: SourceDocument[]) => batch.map((d) => d.name);
    const first = await task.poll();
    const second = await task.poll();
    expect([names(first), names(second)]).toEqual([
      ['a.edi#1', 'a.edi#2', 'a.edi#3'],
      ['a.edi#4', 'b.edi#1', 'c.edi#1'],
    ]);
    // a.edi's last message is in the second batch: committing the first moves nothing.
    await task.commit(first, { ok: true, published: 3, deadLettered: 0 });
    expect(await readdir(dir)).toEqual(['a.edi', 'b.edi', 'c.edi']);
    const third = await task.poll();
    expect(names(third)).toEqual(['c.edi#2', 'c.edi#3', 'c.edi#4']);
    // The second fails; the third was polled before the failure was heard, so the runtime fails it too.
    await task.commit(second, { ok: false, error: new Error('transaction aborted') });
    await task.commit(third, { ok: false, error: new Error('the batch before it was not committed') });
    expect(await readdir(dir)).toEqual(['a.edi', 'b.edi', 'c.edi']);
    expect(await task.poll()).toEqual(second);
    // The second fails again while the third waits to be handed out again: the second still comes first.
    await task.commit(second, { ok: false, error: new Error('transaction aborted') });
    expect(await task.poll()).toEqual(second);
    // And again while the third is out: then the second, then the third.
    expect(await task.poll()).toEqual(third);
    await task.commit(second, { ok: false, error: new Error('transaction aborted') });
    await task.commit(third, { ok: false, error: new Error('the batch before it was not committed') });
    expect(await task.poll()).toEqual(second);
    await task.commit(second, { ok: true, published: 3, deadLettered: 0 });
    expect((await readdir(dir)).sort()).toEqual(['c.edi', 'done']);
    expect(await task.poll()).toEqual(third);
    expect(names(await task.poll())).toEqual(['c.edi#5']);
    await task.commit(third, { ok: true, published: 3, deadLettered: 0 });
    expect((await readdir(dir)).sort()).toEqual(['c.edi', 'done']);
    await task.commit([], { ok: true, published: 1, deadLettered: 0 });
    expect(await readdir(dir)).toEqual(['done']);
    expect(await readdir(join(dir, 'done'))).toEqual(['a.edi', 'b.edi', 'c.edi']);
    await task.stop();
  });

  it('refuses a position whose file is a path, not a name in the folder, and moves nothing outside it', async () => {
    const dir = await folder();
    const outside = join(dir, '..', `outside-${folders}.edi`);
    await writeFile(outside, x12(1));
    const { size, mtimeMs } = await stat(outside);
    // What `PATCH …/offsets` (or a write to the positions topic) could set: a committed file outside the folder.
    const position = {
      file: `../outside-${folders}.edi`,
      size,
      mtimeMs,
      message: 1,
      done: true,
      finished: [],
    };
    expect(fileDropOffsetProblem(position)).toMatch(
      /^is not a file-drop offset: must be a file name in the drop folder, not a path at file/,
    );
    expect(
      fileDropOffsetProblem({
        ...position,
        file: 'a.edi',
        finished: [{ file: '/etc/passwd', size, mtimeMs }],
      }),
    ).toMatch(/not a path at finished\.0\.file/);
    const task = createFileDropSource({ dir, partition: 'p' }, context());
    await expect(task.start(new Map([['p', position]]))).rejects.toThrow(
      /partition p is not a file-drop offset/,
    );
    expect(await readFile(outside, 'utf8')).toBe(x12(1));
    expect(await readdir(dir)).toEqual([]);
  });

  it('never reads a file through a link: one swapped in for a listed file is refused, not read onto the bus', async () => {
    const dir = await folder();
    const secret = join(root, `secret-${folders}.edi`);
    await writeFile(secret, x12(2));
    const { size, mtimeMs } = await stat(secret);
    // The file a partly read position names, swapped for a link to a file of the hub's after it was listed.
    await symlink(secret, join(dir, 'po.edi'));
    const runtime = new Runtime();
    runtime.positions.set('p', { file: 'po.edi', size, mtimeMs, message: 1, done: false, finished: [] });
    await runtime.run({ dir, partition: 'p', split: 'x12', splitAboveBytes: 0, ...fast });
    for (const document of runtime.published) expect(document.bytes.toString()).not.toContain('ST*850');
    expect(runtime.refusals()).toEqual([['po.edi#1', expect.stringMatching(/^unreadable: ELOOP/)]]);
    expect(await readFile(secret, 'utf8')).toBe(x12(2));
  });

  it('refuses a committed position that is not its own', async () => {
    const dir = await folder();
    const task = createFileDropSource({ dir, partition: 'p' }, context());
    await expect(task.start(new Map([['p', { file: 'x' }]]))).rejects.toThrow(
      /partition p is not a file-drop offset/,
    );
  });
});

describe('file-drop source: a big file', () => {
  it('streams a ~50 MB X12 file into its sets with bounded memory', async () => {
    const dir = await folder();
    const path = join(dir, 'big.edi');
    const sets = 280_000; // ~50 MB
    const out = createWriteStream(path);
    out.write(x12(0).split('GE*')[0]!);
    for (let i = 1; i <= sets; i++) {
      if (!out.write(set850(i % 10_000))) await once(out, 'drain');
    }
    out.end(`GE*${sets}*7~\nIEA*1*000000001~\n`);
    await once(out, 'finish');
    // What the reading retains, after a real collection every 20,000 sets: RSS also counts garbage the collector
    // has not reached yet, which grew to 224 MiB on a machine at load 11 and stays near 60 on a quiet one.
    const retained = () => {
      collectGarbage();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const before = retained();
    let first = 0;
    let peak = before;
    let count = 0;
    let sampled = 0;
    let lastName = '';
    const task = createFileDropSource({ dir, split: 'x12', ...fast }, context());
    await task.start(new Map());
    for (;;) {
      const documents = await task.poll();
      if (documents.length === 0) break;
      count += documents.length;
      lastName = documents.at(-1)!.name!;
      if (count - sampled >= 20_000) {
        sampled = count;
        const now = retained();
        first ||= now;
        peak = Math.max(peak, now);
      }
      await task.commit(documents, { ok: true, published: documents.length, deadLettered: 0 });
    }
    expect(count).toBe(sets);
    expect(lastName).toBe(`big.edi#${sets}`);
    // A fixed ~28 MiB (the reading's buffers) from the first sample on, not growing with the sets read; the whole
    // file read at once would hold its 50 MB and more.
    const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;
    expect(
      peak - before,
      `the heap retained ${mib(peak - before)} more than the ${mib(before)} before`,
    ).toBeLessThan(40 * 1024 * 1024);
    expect(peak - first, `grew by ${mib(peak - first)} after the first 20,000 sets`).toBeLessThan(
      8 * 1024 * 1024,
    );
    expect(await readdir(join(dir, 'done'))).toEqual(['big.edi']);
    await task.stop();
  }, 120_000);
});
