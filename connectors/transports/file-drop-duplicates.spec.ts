import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { contrlReason } from './file-drop/ack-reasons.ts';
import { edifactInterchangeKeys, interchangeKeys } from './file-drop/duplicates.ts';
import { createFileDropSource, type FileDropOptions } from './file-drop.ts';
import { createTestContext } from './test-support.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eai-file-drop-dup-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
async function caseFolder(): Promise<string> {
  const dir = join(root, `case-${++folders}`, 'drop');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** An 850 interchange of `sets` sets, ISA13 `control`. */
function interchange(control: number, sets = 1, receiver = 'BIGRETAIL      '): string {
  const isa13 = String(control).padStart(9, '0');
  let body = '';
  for (let i = 1; i <= sets; i++) {
    const st = String(i).padStart(4, '0');
    body += `ST*850*${st}~\nBEG*00*SA*PO-${control}-${i}**20240311~\nPO1*1*48*EA*3.25*PE*UP*061414112345~\nSE*4*${st}~\n`;
  }
  return `ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*${receiver}*240312*0930*U*00401*${isa13}*0*P*>~\nGS*PO*ACMESUPPLY*BIGRETAIL*20240312*0930*7*X*004010~\n${body}GE*${sets}*7~\nIEA*1*${isa13}~\n`;
}

async function pollAll(task: SourceTask, count: number): Promise<SourceDocument[]> {
  const documents: SourceDocument[] = [];
  for (let i = 0; i < 50 && documents.length < count; i++) documents.push(...(await task.poll()));
  return documents;
}

/**
 * A batch committed as the runtime does: each document's position given its fate (a refused one dead-lettered with
 * its reason), the last one kept; then the task's commit. Answers the committed positions.
 */
async function commit(task: SourceTask, documents: SourceDocument[]): Promise<Map<string, Json>> {
  const refused = new Map(
    documents.filter((d) => d.refused !== undefined).map((d) => [d, `SourceRefusal: ${d.refused}`]),
  );
  const last = documents.map((d) => task.positionOf!(d, refused.get(d))).at(-1)!;
  await task.commit(documents, {
    ok: true,
    published: documents.length - refused.size,
    deadLettered: refused.size,
    refused,
  });
  return new Map([[last.partition, last.offset]]);
}

const DUPLICATE =
  /^duplicate interchange: ISA06 ACMESUPPLY, ISA08 BIGRETAIL, ISA13 000004711 was already published \(the connector remembers the last \d+ interchanges; set config\.duplicateInterchanges: allow to publish it again\)$/;

const BEING_PUBLISHED = (from: string) =>
  new RegExp(
    `^duplicate interchange: ISA06 ACMESUPPLY, ISA08 BIGRETAIL, ISA13 000004711 is being published from ${from.replace(/[.#]/g, '\\$&')} \\(`,
  );

describe('file-drop source: duplicate interchanges (ISA06 / ISA08 / ISA13)', () => {
  const make = (dir: string, options: Partial<FileDropOptions> = {}) =>
    createFileDropSource(
      { dir, stableMs: 0, idleWaitMs: 10, ...options },
      { ...createTestContext('dup-connector').context, baseDir: root },
    );

  it('refuses the same file dropped twice, with why, also after a restart; another control number or receiver goes through', async () => {
    const dir = await caseFolder();
    const task = make(dir);
    await task.start(new Map());
    await writeFile(join(dir, 'po.x12'), interchange(4711));
    const first = await pollAll(task, 1);
    expect(first[0]!.refused).toBeUndefined();
    await commit(task, first);

    await writeFile(join(dir, 'po.x12'), interchange(4711));
    const again = await pollAll(task, 1);
    expect(again[0]!.refused).toMatch(DUPLICATE);
    // The whole file refused: keyed by its ISA13, as the mapping step keys an input refused whole.
    expect(again[0]!.id).toBe('000004711');
    const position = await commit(task, again);
    // Its only message dead-lettered: the file goes to error/ with the reason.
    expect(await readFile(join(dir, 'error', 'po.x12.reason'), 'utf8')).toMatch(/duplicate interchange/);
    expect((position.values().next().value as { seen: string[] }).seen).toEqual([
      'ACMESUPPLY/BIGRETAIL/000004711',
    ]);
    await task.stop();

    // Remembered in the committed position: a restart still knows it.
    const restarted = make(dir);
    await restarted.start(position);
    await writeFile(join(dir, 'resent.x12'), interchange(4711));
    await writeFile(join(dir, 'z-next.x12'), interchange(4712));
    await writeFile(join(dir, 'z-other-receiver.x12'), interchange(4711, 1, 'OTHERRETAIL    '));
    const later = await pollAll(restarted, 3);
    expect(later.map((d) => [d.name, d.refused === undefined ? 'published' : 'duplicate'])).toEqual([
      ['resent.x12#1', 'duplicate'],
      ['z-next.x12#1', 'published'],
      ['z-other-receiver.x12#1', 'published'],
    ]);
    await restarted.stop();
  });

  it('split message by message: every set of a repeated interchange is refused; duplicateInterchanges: allow publishes it again', async () => {
    const dir = await caseFolder();
    const task = make(dir, { split: 'x12', splitAboveBytes: 0 });
    await task.start(new Map());
    await writeFile(join(dir, 'a.x12'), interchange(4711, 3));
    await commit(task, await pollAll(task, 3));
    await writeFile(join(dir, 'b.x12'), interchange(4711, 3) + interchange(4713, 1));
    const again = await pollAll(task, 4);
    expect(again.map((d) => (d.refused === undefined ? 'published' : 'duplicate'))).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'published',
    ]);
    // Each refused set keyed by its id (<ISA13>/<ST02>), not <file>#<n>.
    expect(again.map((d) => d.id)).toEqual(['000004711/0001', '000004711/0002', '000004711/0003', undefined]);
    await task.stop();

    const allowing = make(await caseFolder(), { duplicateInterchanges: 'allow' });
    await allowing.start(new Map());
    const allowDir = join(root, `case-${folders}`, 'drop');
    await writeFile(join(allowDir, 'a.x12'), interchange(4711));
    await commit(allowing, await pollAll(allowing, 1));
    await writeFile(join(allowDir, 'a.x12'), interchange(4711));
    expect((await pollAll(allowing, 1))[0]!.refused).toBeUndefined();
    await allowing.stop();
  });

  it('refuses a repeat before the first copy is committed: the same interchange twice in one file, or in two files polled together', async () => {
    // node-x12's 850_fat.edi: one interchange written twice into one file (ISA13 the same), as a mailbox that
    // appended a resend delivers it; both were published (and the second 997 overwrote the first).
    const inOneFile = await caseFolder();
    const task = make(inOneFile, { split: 'x12', splitAboveBytes: 0 });
    await task.start(new Map());
    await writeFile(
      join(inOneFile, 'fat.x12'),
      interchange(4711, 2) + interchange(4711, 2) + interchange(4712),
    );
    const documents = await pollAll(task, 5);
    expect(documents.map((d) => d.refused ?? 'published')).toEqual([
      'published',
      'published',
      expect.stringMatching(BEING_PUBLISHED('fat.x12/ISA#1')),
      expect.stringMatching(BEING_PUBLISHED('fat.x12/ISA#1')),
      'published',
    ]);
    const position = await commit(task, documents);
    expect((position.values().next().value as { seen: string[] }).seen).toEqual([
      'ACMESUPPLY/BIGRETAIL/000004711',
      'ACMESUPPLY/BIGRETAIL/000004712',
    ]);
    await task.stop();

    // Whole files (not split): the same file dropped twice under two names, read in one poll.
    const twoFiles = await caseFolder();
    const whole = make(twoFiles);
    await whole.start(new Map());
    await writeFile(join(twoFiles, 'a.x12'), interchange(4711));
    await writeFile(join(twoFiles, 'b.x12'), interchange(4711));
    const both = await pollAll(whole, 2);
    expect(both.map((d) => d.refused ?? 'published')).toEqual([
      'published',
      expect.stringMatching(BEING_PUBLISHED('a.x12')),
    ]);
    // The first copy dead-lettered (not published): a later copy is not a duplicate.
    const refused = new Map([
      [both[0]!, 'MappingError: no'],
      ...both.slice(1).map((d) => [d, `SourceRefusal: ${d.refused}`] as const),
    ]);
    for (const d of both) whole.positionOf!(d, refused.get(d));
    await whole.commit(both, { ok: true, published: 0, deadLettered: 2, refused });
    await writeFile(join(twoFiles, 'c.x12'), interchange(4711));
    expect((await pollAll(whole, 1))[0]!.refused).toBeUndefined();
    await whole.stop();
  });

  it('answers a duplicate with a TA1 R 025 and leaves the first 997 as it was', async () => {
    const dir = await caseFolder();
    const acks = join(dir, '..', 'acks');
    const task = make(dir, { acknowledgements: { dir: acks } });
    await task.start(new Map());
    await writeFile(join(dir, 'po.x12'), interchange(4711, 2));
    await commit(task, await pollAll(task, 2));
    const ack = await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000004711.x12'), 'utf8');
    await writeFile(join(dir, 'po.x12'), interchange(4711, 2));
    await commit(task, await pollAll(task, 2));
    expect((await readdir(acks)).filter((name) => !name.startsWith('.')).sort()).toEqual([
      '997_ACMESUPPLY_BIGRETAIL_000004711.x12',
      'TA1_ACMESUPPLY_BIGRETAIL_000004711.x12',
    ]);
    expect((await readFile(join(acks, 'TA1_ACMESUPPLY_BIGRETAIL_000004711.x12'), 'utf8')).split('~')[1]).toBe(
      'TA1*000004711*240312*0930*R*025',
    );
    expect(await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000004711.x12'), 'utf8')).toBe(ack);
    await task.stop();
  });

  it('remembers the newest rememberInterchanges only, and a rejected (dead-lettered) interchange not at all', async () => {
    const dir = await caseFolder();
    const task = make(dir, { rememberInterchanges: 2 });
    await task.start(new Map());
    for (const control of [1, 2, 3]) {
      await writeFile(join(dir, `po-${control}.x12`), interchange(control));
      await commit(task, await pollAll(task, 1));
    }
    // Dead-lettered by the mapping (no record): not published, so not remembered.
    await writeFile(join(dir, 'po-4.x12'), interchange(4));
    const refused = await pollAll(task, 1);
    const last = task.positionOf!(refused[0]!, 'FormatError: x12-850: …')!;
    expect((last.offset as { seen: string[] }).seen).toEqual([
      'ACMESUPPLY/BIGRETAIL/000000002',
      'ACMESUPPLY/BIGRETAIL/000000003',
    ]);
    await task.stop();
  });

  it('reads the keys of every interchange of a file, not words that only contain ISA', () => {
    const text = `${interchange(11)}${interchange(12).replace('BEG*00', 'N1*ST*THE ISA*92*1~\nBEG*00')}`;
    expect(interchangeKeys(Buffer.from(text))).toEqual([
      'ACMESUPPLY/BIGRETAIL/000000011',
      'ACMESUPPLY/BIGRETAIL/000000012',
    ]);
    expect(interchangeKeys(Buffer.from('UNB+UNOC:3+A+B+240312:1430+1'))).toEqual([]);
  });

  it('EDIFACT: refuses an interchange whose UNB sender, recipient and 0020 were published, a CONTRL saying 26 at the UCI', async () => {
    const orders = readFileSync('formats/edifact-orders/fixtures/alc-pat-tax-groups.edi');
    const [key] = edifactInterchangeKeys(orders);
    expect(key).toMatch(/^UNB:[^/]+\/[^/]+\/\w+$/);
    // A UNA's own separators, a released one kept as data.
    expect(
      edifactInterchangeKeys(Buffer.from('UNA|=.!*~UNB=UNOC|3=SEND!=ER|14=RECIP|14=240312|1430=REF7~')),
    ).toEqual(['UNB:SEND=ER/RECIP/REF7']);
    const dir = await caseFolder();
    const task = make(dir);
    await task.start(new Map());
    await writeFile(join(dir, 'a.edi'), orders);
    const first = await pollAll(task, 1);
    expect(first[0]!.refused).toBeUndefined();
    await commit(task, first);
    await writeFile(join(dir, 'b.edi'), orders);
    const again = await pollAll(task, 1);
    expect(again[0]!.refused).toMatch(
      /^duplicate interchange: UNB sender \S+, recipient \S+, 0020 \w+ was already published/,
    );
    expect(again[0]!.id).toBe(key!.split('/').at(-1));
    await task.stop();
    expect(contrlReason(`SourceRefusal: ${again[0]!.refused}`, 3)).toEqual({
      level: 'interchange',
      error: { code: '26', segment: 'UNB' },
    });
  });
});
