import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRefused } from '../../formats/each-document.ts';
import { findReader } from '../../formats/index.ts';
import { readX12 } from '../../formats/x12/parse.ts';
import { element } from '../../formats/x12/segment.ts';
import { quotedText, quotedValue } from '../../lib/errors.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { reasonCodes } from './file-drop/ack-reasons.ts';
import { createFileDropSource } from './file-drop.ts';
import { createTestContext } from './test-support.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eai-file-drop-acks-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
async function caseFolders(): Promise<{ drop: string; acks: string }> {
  const base = join(root, `case-${++folders}`);
  await mkdir(join(base, 'drop'), { recursive: true });
  return { drop: join(base, 'drop'), acks: join(base, 'acks') };
}

/** An 850 interchange of `sets` sets (ISA13 `control`, GS06 7), the `bad`-th with BEG05 an impossible date. */
function interchange(sets: number, control: number, bad?: number): string {
  const isa13 = String(control).padStart(9, '0');
  let body = '';
  for (let i = 1; i <= sets; i++) {
    const st = String(i).padStart(4, '0');
    body += [
      `ST*850*${st}~`,
      `BEG*00*SA*PO-${control}-${i}**${i === bad ? '20240230' : '20240311'}~`,
      'PO1*1*48*EA*3.25*PE*UP*061414112345~',
      `SE*4*${st}~`,
      '',
    ].join('\n');
  }
  return `ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BIGRETAIL      *240312*0930*U*00401*${isa13}*0*P*>~\nGS*PO*ACMESUPPLY*BIGRETAIL*20240312*0930*7*X*004010~\n${body}GE*${sets}*7~\nIEA*1*${isa13}~\n`;
}

/** Polls until `count` documents came (the folder is listed once its files stood still). */
async function pollAll(task: SourceTask, count: number): Promise<SourceDocument[]> {
  const documents: SourceDocument[] = [];
  for (let i = 0; i < 50 && documents.length < count; i++) documents.push(...(await task.poll()));
  return documents;
}

const dateReason =
  'FormatError: x12-850: ISA#1/GS#1/ST#3/BEG (segment 4, line 4), element BEG05: BEG05 "20240230": February has no day 30';

describe('file-source acknowledgements (997 after the commit)', () => {
  it("answers a sender's interchanges to two of the hub's receiver ids under one ISA13 with a 997 each", async () => {
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-receivers');
    const task = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    // Each receiver id (a division, a test and a production id) is its own numbering at the sender: not duplicates.
    await writeFile(join(drop, 'a.x12'), interchange(1, 55));
    await writeFile(
      join(drop, 'b.x12'),
      interchange(1, 55)
        .replaceAll('BIGRETAIL      ', 'BIGRETAIL-EU   ')
        .replaceAll('*BIGRETAIL*', '*BIGRETAIL-EU*'),
    );
    const documents = await pollAll(task, 2);
    expect(documents).toHaveLength(2);
    await task.commit(documents, { ok: true, published: 2, deadLettered: 0, refused: new Map() });
    expect((await readdir(acks)).filter((name) => !name.startsWith('.')).sort()).toEqual([
      '997_ACMESUPPLY_BIGRETAIL-EU_000000055.x12',
      '997_ACMESUPPLY_BIGRETAIL_000000055.x12',
    ]);
    const [eu] = readX12(await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL-EU_000000055.x12')), 'x12-997');
    expect(eu!.envelope.interchange).toMatchObject({ senderId: 'BIGRETAIL-EU', receiverId: 'ACMESUPPLY' });
    await task.stop();
  });

  it('writes the 997 only once the batch is committed: AK5 A, A, R (with AK3/AK4), AK9 P; none while it failed', async () => {
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-connector');
    // Redelivery below is published again (duplicates: file-drop-duplicates.spec.ts).
    const task = createFileDropSource(
      {
        dir: drop,
        stableMs: 0,
        idleWaitMs: 10,
        duplicateInterchanges: 'allow',
        acknowledgements: { dir: acks },
      },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    await writeFile(join(drop, 'po.x12'), interchange(3, 4711, 3));
    const documents = await pollAll(task, 3);
    // One document per set, even for a small file: each set's fate is then its own.
    expect(documents.map((d) => d.name)).toEqual(['po.x12#1', 'po.x12#2', 'po.x12#3']);
    await task.commit(documents, { ok: false, error: new Error('broker away') });
    await expect(readdir(acks)).rejects.toThrow(/ENOENT/);
    const again = await task.poll();
    expect(again).toEqual(documents);
    await task.commit(again, {
      ok: true,
      published: 2,
      deadLettered: 1,
      refused: new Map([[documents[2]!, dateReason]]),
    });
    expect((await readdir(acks)).sort()).toEqual([
      '.eai-control-number-acks-connector',
      '997_ACMESUPPLY_BIGRETAIL_000004711.x12',
    ]);
    const written = await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000004711.x12'));
    const [ack] = readX12(written, 'x12-997');
    expect(ack!.envelope.interchange).toMatchObject({
      senderId: 'BIGRETAIL',
      receiverId: 'ACMESUPPLY',
      controlNumber: '000000001',
    });
    expect(
      ack!.segments.map((s) => [s.tag, ...s.elements.map((e) => (typeof e === 'string' ? e : e.join('>')))]),
    ).toEqual([
      ['ST', '997', '0001'],
      ['AK1', 'PO', '7'],
      ['AK2', '850', '0001'],
      ['AK5', 'A'],
      ['AK2', '850', '0002'],
      ['AK5', 'A'],
      ['AK2', '850', '0003'],
      ['AK3', 'BEG', '2', '', '8'],
      ['AK4', '5', '', '8', '20240230'],
      ['AK5', 'R', '5'],
      ['AK9', 'P', '3', '3', '2'],
      ['SE', '12', '0001'],
    ]);
    expect(await readdir(join(drop, 'done'))).toEqual(['po.x12']);

    // Redelivered (the partner sends the same interchange again) and allowed: the 997 is overwritten, with a new ISA13.
    await writeFile(join(drop, 'po.x12'), interchange(3, 4711));
    const redelivered = await pollAll(task, 3);
    await task.commit(redelivered, { ok: true, published: 3, deadLettered: 0 });
    expect((await readdir(acks)).filter((name) => !name.startsWith('.'))).toEqual([
      '997_ACMESUPPLY_BIGRETAIL_000004711.x12',
    ]);
    const [second] = readX12(await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000004711.x12')), 'x12-997');
    expect(second!.envelope.interchange.controlNumber).toBe('000000002');
    expect(element(second!.segments.find((s) => s.tag === 'AK9')!, 1)).toBe('A');
    expect((await readFile(join(acks, '.eai-control-number-acks-connector'), 'utf8')).trim()).toBe('2');
    await task.stop();
  });

  it('answers each interchange of a file of several once it is committed, not when the whole file is read', async () => {
    // The scale trial's 300 MB file of 1,915 interchanges: every 997 waited for the file's end (and a restart in the
    // middle lost them all), while the fates of all its sets stayed in memory.
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-many');
    const task = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, batchSize: 3, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    await writeFile(join(drop, 'big.x12'), interchange(2, 901) + interchange(2, 902) + interchange(1, 903));
    const answered = async () =>
      (await readdir(acks).catch(() => [])).filter((n) => !n.startsWith('.')).sort();

    const first = await pollAll(task, 3); // 901's two sets and 902's first
    expect(first.map((d) => d.name)).toEqual(['big.x12#1', 'big.x12#2', 'big.x12#3']);
    await task.commit(first, { ok: true, published: 3, deadLettered: 0 });
    expect(await answered()).toEqual(['997_ACMESUPPLY_BIGRETAIL_000000901.x12']);
    expect(await readdir(drop)).toContain('big.x12'); // not finished: 902 and 903 still to come

    const rest = await pollAll(task, 2);
    await task.commit(rest, { ok: true, published: 2, deadLettered: 0 });
    expect(await answered()).toEqual([
      '997_ACMESUPPLY_BIGRETAIL_000000901.x12',
      '997_ACMESUPPLY_BIGRETAIL_000000902.x12',
      '997_ACMESUPPLY_BIGRETAIL_000000903.x12',
    ]);
    const [ack902] = readX12(await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000000902.x12')), 'x12-997');
    expect(ack902!.segments.filter((s) => s.tag === 'AK2')).toHaveLength(2);
    expect(await readdir(join(drop, 'done'))).toEqual(['big.x12']);
    await task.stop();
  });

  it('says in the 997 when GE01 or IEA01 does not match what the interchange held: AK9 E with AK905 5, a TA1 E 021', async () => {
    // The sets are read and answered as usual (a wrong count alone refuses none: formats/x12/envelope.ts); the partner
    // learns that its counts are off.
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-counts');
    const task = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    const off = interchange(2, 911)
      .replace('GE*2*7~', 'GE*5*7~')
      .replace('IEA*1*000000911~', 'IEA*3*000000911~');
    await writeFile(join(drop, 'counts.x12'), off + interchange(1, 912));
    const documents = await pollAll(task, 3);
    await task.commit(documents, { ok: true, published: 3, deadLettered: 0 });
    const segments = async (name: string) =>
      (await readFile(join(acks, name), 'utf8'))
        .split('~')
        .map((segment) => segment.trim().split('*'))
        .filter((segment) => segment[0] !== '');
    const first = await segments('997_ACMESUPPLY_BIGRETAIL_000000911.x12');
    expect(first.map((segment) => segment[0])).toEqual([
      'ISA',
      'TA1',
      'GS',
      'ST',
      'AK1',
      'AK2',
      'AK5',
      'AK2',
      'AK5',
      'AK9',
      'SE',
      'GE',
      'IEA',
    ]);
    expect(first[1]!.slice(1)).toEqual(['000000911', '240312', '0930', 'E', '021']);
    expect(first.find((segment) => segment[0] === 'AK9')).toEqual(['AK9', 'E', '5', '2', '2', '5']);
    // The 997 still reads as one (its TA1 before the group).
    expect(
      readX12(await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000000911.x12')), 'x12-997'),
    ).toHaveLength(1);
    const second = await segments('997_ACMESUPPLY_BIGRETAIL_000000912.x12');
    expect(second.map((segment) => segment[0])).not.toContain('TA1');
    expect(second.find((segment) => segment[0] === 'AK9')).toEqual(['AK9', 'A', '1', '1', '1']);
    await task.stop();
  });

  it('answers an interchange whose ISA16 also ends every line (ISA16 `~`, line breaks the terminator) with its 997', async () => {
    // Trial: EDI.Net's x12.850.issue135.edi (`…*0*T*~` and a line break, then `ST*850*0001~` …): its sets were read
    // and mapped, but the 997 took ST02 as `0001~` and was never written ("AK202 … contains the separator").
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-isa16-tilde');
    const task = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    const text = interchange(1, 931).replace('*0*P*>~\n', '*0*P*~\n');
    expect(text).toContain('*0*P*~\nGS*');
    await writeFile(join(drop, 'tilde.x12'), text);
    const documents = await pollAll(task, 1);
    expect(documents).toHaveLength(1);
    await task.commit(documents, { ok: true, published: 1, deadLettered: 0 });
    const ack = (await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000000931.x12'), 'utf8'))
      .split('~')
      .map((segment) => segment.trim().split('*'));
    expect(ack.find((segment) => segment[0] === 'AK2')).toEqual(['AK2', '850', '0001']);
    expect(ack.find((segment) => segment[0] === 'AK1')).toEqual(['AK1', 'PO', '7']);
    await task.stop();
  });

  it('says a GE02 / IEA02 that is not GS06 / ISA13 as eai map judges it: AK905 4, a TA1 E 001, every set read', async () => {
    // Trial: EDI.Net's sample 850s (IEA02 000000001 under ISA13 000000055): eai map refused them whole, while the
    // connector read their sets and answered a plain 997 that said nothing of the trailer (formats/x12/trailers.ts).
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-references');
    const task = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    const off = interchange(2, 921)
      .replace('GE*2*7~', 'GE*2*8~')
      .replace('IEA*1*000000921~', 'IEA*1*000000001~');
    await writeFile(join(drop, 'references.x12'), off);
    const documents = await pollAll(task, 2);
    expect(documents).toHaveLength(2);
    await task.commit(documents, { ok: true, published: 2, deadLettered: 0 });
    const segments = (await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000000921.x12'), 'utf8'))
      .split('~')
      .map((segment) => segment.trim().split('*'))
      .filter((segment) => segment[0] !== '');
    expect(segments.find((segment) => segment[0] === 'TA1')!.slice(1)).toEqual([
      '000000921',
      '240312',
      '0930',
      'E',
      '001',
    ]);
    expect(segments.find((segment) => segment[0] === 'AK9')).toEqual(['AK9', 'E', '2', '2', '2', '4']);
    await task.stop();
  });

  it('rejects an interchange cut short (no IEA) with a TA1 R 023 and refuses its sets; a group without its GE gets AK9 R with AK905 3', async () => {
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-truncated');
    const task = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    // a: cut off after its last SE (no GE, no IEA); b: an interchange whose IEA the next ISA comes before, then a
    // complete one; c: a group without its GE, the interchange closed by its IEA.
    const cut = (text: string) => text.replace(/GE\*.*\n/, '').replace(/IEA\*.*\n/, '');
    await writeFile(join(drop, 'a-cut.x12'), cut(interchange(2, 921)));
    await writeFile(join(drop, 'b-next-isa.x12'), cut(interchange(1, 922)) + interchange(1, 923));
    await writeFile(join(drop, 'c-no-ge.x12'), interchange(1, 924).replace(/GE\*.*\n/, ''));
    const documents = await pollAll(task, 5);
    expect(documents.map((d) => [d.name, d.refused])).toEqual([
      ['a-cut.x12#1', 'truncated: ISA#1 has no IEA (the file ends first): its sets are not read'],
      ['a-cut.x12#2', 'truncated: ISA#1 has no IEA (the file ends first): its sets are not read'],
      [
        'b-next-isa.x12#1',
        expect.stringMatching(/^truncated: ISA#1 has no IEA \(the next ISA \(byte \d+\) came first\)/),
      ],
      ['b-next-isa.x12#2', undefined],
      [
        'c-no-ge.x12#1',
        expect.stringMatching(/^truncated: ISA#1\/GS#1 has no GE \(the IEA \(byte \d+\) came first\)/),
      ],
    ]);
    // Each refused set keyed by its id (<ISA13>/<ST02>), as the mapping step keys the sets it refuses.
    expect(documents.map((d) => d.id)).toEqual([
      '000000921/0001',
      '000000921/0002',
      '000000922/0001',
      undefined,
      '000000924/0001',
    ]);
    // As the runtime reports them: each refused one dead-lettered with its reason (a SourceRefusal).
    const refused = new Map(
      documents.filter((d) => d.refused !== undefined).map((d) => [d, `SourceRefusal: ${d.refused}`]),
    );
    await task.commit(documents, { ok: true, published: 1, deadLettered: 4, refused });
    expect((await readdir(acks)).filter((name) => !name.startsWith('.')).sort()).toEqual([
      '997_ACMESUPPLY_BIGRETAIL_000000923.x12',
      '997_ACMESUPPLY_BIGRETAIL_000000924.x12',
      'TA1_ACMESUPPLY_BIGRETAIL_000000921.x12',
      'TA1_ACMESUPPLY_BIGRETAIL_000000922.x12',
    ]);
    for (const isa13 of ['000000921', '000000922']) {
      const ta1 = (await readFile(join(acks, `TA1_ACMESUPPLY_BIGRETAIL_${isa13}.x12`), 'utf8')).split('~');
      expect(ta1[1]).toBe(`TA1*${isa13}*240312*0930*R*023`);
    }
    const ak9 = async (name: string) =>
      (await readFile(join(acks, name), 'utf8'))
        .split('~')
        .map((segment) => segment.trim().split('*'))
        .find((segment) => segment[0] === 'AK9');
    expect(await ak9('997_ACMESUPPLY_BIGRETAIL_000000923.x12')).toEqual(['AK9', 'A', '1', '1', '1']);
    expect(await ak9('997_ACMESUPPLY_BIGRETAIL_000000924.x12')).toEqual(['AK9', 'R', '1', '1', '0', '3']);
    // Files nothing could be read from go to error/, their sets in the dead-letter topic.
    expect((await readdir(join(drop, 'error'))).sort()).toEqual([
      'a-cut.x12',
      'a-cut.x12.reason',
      'c-no-ge.x12',
      'c-no-ge.x12.reason',
    ]);
    await task.stop();
  });

  it('answers an interchange with no set by a TA1 (024), and a file with no readable ISA with nothing, said in the log', async () => {
    const { drop, acks } = await caseFolders();
    const { context, logs } = createTestContext('acks-ta1');
    const task = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    const isaOnly = interchange(0, 815)
      .replace(/GS\*.*\n/, '')
      .replace(/GE\*.*\n/, '');
    await writeFile(join(drop, 'a-empty-interchange.x12'), isaOnly.replace('IEA*1', 'IEA*0'));
    await writeFile(join(drop, 'b-letter.x12'), 'Dear supplier, please find our order attached.\n');
    const documents = await pollAll(task, 2);
    expect(documents.every((d) => d.refused !== undefined)).toBe(true);
    await task.commit(documents, { ok: true, published: 0, deadLettered: 2 });
    expect((await readdir(acks)).filter((name) => !name.startsWith('.'))).toEqual([
      'TA1_ACMESUPPLY_BIGRETAIL_000000815.x12',
    ]);
    const ta1 = (await readFile(join(acks, 'TA1_ACMESUPPLY_BIGRETAIL_000000815.x12'), 'utf8')).split('~');
    expect(ta1[1]).toBe('TA1*000000815*240312*0930*R*024');
    expect(ta1[2]).toBe('IEA*0*000000001');
    expect(logs.map((l) => [l.msg, l.file])).toContainEqual([
      'file-drop: no acknowledgment: the file has no readable interchange header (ISA, UNB) to answer',
      'b-letter.x12',
    ]);
    await task.stop();
  });

  it('writes at a restart the 997s a crash after the commit kept from being written, from the fates in the position', async () => {
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-crash');
    const make = () =>
      createFileDropSource(
        { dir: drop, stableMs: 0, idleWaitMs: 10, batchSize: 4, acknowledgements: { dir: acks } },
        { ...context, baseDir: root },
      );
    const answered = async () =>
      (await readdir(acks).catch(() => [])).filter((n) => !n.startsWith('.')).sort();
    /** The positions the runtime commits: each document's, given its fate, the batch's last kept (one partition). */
    const committedPosition = (
      task: SourceTask,
      documents: SourceDocument[],
      refused = new Map<SourceDocument, string>(),
    ) => {
      const positions = documents.map((d) => task.positionOf!(d, refused.get(d)));
      const last = positions.at(-1)!;
      return new Map([[last.partition, last.offset]]);
    };
    const ak5 = async (name: string) => {
      const [ack] = readX12(await readFile(join(acks, name)), 'x12-997');
      return ack!.segments.filter((s) => s.tag === 'AK5').map((s) => element(s, 1));
    };

    // 1. 901 (3 sets, the 2nd bad) and 902's first set are committed; the process dies before any 997 is written.
    const first = make();
    await first.start(new Map());
    await writeFile(join(drop, 'po.x12'), interchange(3, 901, 2) + interchange(2, 902));
    const batch = await pollAll(first, 4);
    expect(batch.map((d) => d.name)).toEqual(['po.x12#1', 'po.x12#2', 'po.x12#3', 'po.x12#4']);
    const position = committedPosition(first, batch, new Map([[batch[1]!, dateReason]]));
    expect((position.values().next().value as { acks?: unknown }).acks).toEqual({
      from: 1,
      refused: [[2, 2, dateReason]],
    });
    await first.stop();
    expect(await answered()).toEqual([]);

    // 2. The restart resumes the file at 902's second set: 901's 997 is written once that batch is committed, with
    // the fates read back (A, R, A), and 902's with its set committed before the crash.
    const second = make();
    await second.start(position);
    const rest = await pollAll(second, 1);
    expect(rest.map((d) => d.name)).toEqual(['po.x12#5']);
    committedPosition(second, rest);
    await second.commit(rest, { ok: true, published: 1, deadLettered: 0 });
    expect(await answered()).toEqual([
      '997_ACMESUPPLY_BIGRETAIL_000000901.x12',
      '997_ACMESUPPLY_BIGRETAIL_000000902.x12',
    ]);
    expect(await ak5('997_ACMESUPPLY_BIGRETAIL_000000901.x12')).toEqual(['A', 'R', 'A']);
    expect(await ak5('997_ACMESUPPLY_BIGRETAIL_000000902.x12')).toEqual(['A', 'A']);
    expect(await readdir(join(drop, 'done'))).toEqual(['po.x12']);
    await second.stop();

    // 3. A file committed to its end, the process dead before its 997 and its move: the restart writes the 997 from
    // the file read again, then moves it.
    const third = make();
    await third.start(new Map());
    await writeFile(join(drop, 'po2.x12'), interchange(2, 903, 1));
    const whole = await pollAll(third, 2);
    const finishedPosition = committedPosition(third, whole, new Map([[whole[0]!, dateReason]]));
    await third.stop();
    const fourth = make();
    await fourth.start(finishedPosition);
    expect(await ak5('997_ACMESUPPLY_BIGRETAIL_000000903.x12')).toEqual(['R', 'A']);
    expect((await readdir(join(drop, 'done'))).sort()).toEqual(['po.x12', 'po2.x12']);
    await fourth.stop();
  });

  it("rejects a set whose SE01 is not its segment count (AK5 R 4) or whose SE02 is not its ST02 (AK5 R 3), the others accepted, each set's fate the x12-850 reader's", async () => {
    const { drop, acks } = await caseFolders();
    const { context } = createTestContext('acks-se-counts');
    const task = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await task.start(new Map());
    const off = interchange(3, 931).replace('SE*4*0002~', 'SE*5*0002~').replace('SE*4*0003~', 'SE*4*0009~');
    await writeFile(join(drop, 'se.x12'), off);
    const documents = await pollAll(task, 3);
    // What the runtime says of each set the hub's 850 reader refuses (`<ErrorClass>: <message>`).
    const refused = new Map<SourceDocument, string>();
    for (const document of documents) {
      const [result] = findReader('x12-850').parseEach!(document.bytes);
      if (result && isRefused(result))
        refused.set(document, `${result.refused.name}: ${result.refused.message}`);
    }
    expect([...refused.values()]).toEqual([
      expect.stringMatching(/ST#1\/SE .*control count mismatch: SE01 says "5" but there are 4 segments/),
      expect.stringMatching(/ST#1\/SE .*control number mismatch: SE02 "0009" differs from ST02 "0003"/),
    ]);
    expect([...refused.keys()]).toEqual([documents[1], documents[2]]);
    await task.commit(documents, { ok: true, published: 1, deadLettered: 2, refused });
    const [ack] = readX12(await readFile(join(acks, '997_ACMESUPPLY_BIGRETAIL_000000931.x12')), 'x12-997');
    expect(
      ack!.segments.map((s) => [s.tag, ...s.elements.map((e) => (typeof e === 'string' ? e : e.join('>')))]),
    ).toEqual([
      ['ST', '997', '0001'],
      ['AK1', 'PO', '7'],
      ['AK2', '850', '0001'],
      ['AK5', 'A'],
      ['AK2', '850', '0002'],
      ['AK5', 'R', '4'],
      ['AK2', '850', '0003'],
      ['AK5', 'R', '3'],
      ['AK9', 'P', '3', '3', '1'],
      ['SE', '10', '0001'],
    ]);
    await task.stop();
  });

  it('refuses acknowledgements with a split that is neither X12 nor EDIFACT, saying what to do', async () => {
    const { drop, acks } = await caseFolders();
    expect(() =>
      createFileDropSource(
        { dir: drop, split: 'idoc-xml', acknowledgements: { dir: acks } },
        { ...createTestContext('acks-idoc').context, baseDir: root },
      ),
    ).toThrow(
      /acknowledgements answer X12 \(997\) and EDIFACT \(CONTRL\) interchanges, and split is idoc-xml: set split to x12 or edifact/,
    );
  });
});

describe('dead-letter reasons in 997 terms', () => {
  it.each([
    [
      'FormatError: x12-850: ISA#1/GS#1/ST#1 (segment 3): message type "856" (ST01) is not x12-850; this reader takes 850 sets',
      { codes: ['1'] },
    ],
    [
      'FormatError: x12-850: ISA#1/GS#1/ST#1/SE (segment 9, line 9): control count mismatch: SE01 says "8" but there are 7 segments from ST to SE',
      { codes: ['4'] },
    ],
    [
      'FormatError: x12-850: ISA#1/GS#1/ST#1/SE (segment 9, line 9): control number mismatch: SE02 "0002" differs from ST02 "0001"',
      { codes: ['3'] },
    ],
    ['FormatError: x12-850: end of file: truncated: ISA#1/GS#1/ST#1 has no SE', { codes: ['2'] }],
    [
      'FormatError: x12-850: ISA#1/GS#1/ST#1/PO1#1/PO1 (segment 5, line 5), element PO102: PO102 must be numeric, found "TEN"',
      {
        codes: ['5'],
        segments: [{ tag: 'PO1', position: 3, code: '8', elements: [{ position: 2, code: '6' }] }],
      },
    ],
    [
      'FormatError: x12-850: ISA#1/GS#1/ST#1/CUR (segment 5, line 5), element CUR02: "USX" is not an ISO 4217 currency code',
      {
        codes: ['5'],
        segments: [
          { tag: 'CUR', position: 3, code: '8', elements: [{ position: 2, code: '7', copy: 'USX' }] },
        ],
      },
    ],
    ['MappingError: edi/x12-850.to-canonical.yaml: order.orderId: is required', { codes: ['5'] }],
    [
      'FormatError: x12-850: ISA#1 (segment 1, line 1): ISA13 control number "12A" is not numeric',
      { codes: ['5'], interchange: { status: 'R', code: '018' } },
    ],
  ])('%s', (reason, expected) => {
    expect(reasonCodes(reason)).toEqual(expected);
  });

  // The readers mark the value they quote (quotedValue): AK404 copies the value, never the marks around it.
  const at = 'FormatError: x12-850: ISA#1/GS#1/ST#1/N1 (segment 5, line 5), element N102:';
  const copied = (reason: string) => reasonCodes(reason).segments?.[0]?.elements?.[0]?.copy;
  it.each([
    [`${at} N102 ${quotedValue('Jane Roe')} is not allowed`, 'Jane Roe'],
    [`${at} N102 must be numeric, found ${quotedText('TEN')}`, undefined],
    [`${at} got ${quotedText('Jane')}, expected "x"`, 'Jane'],
    // Cut by the 60-character limit: not the element as sent; the quote after it is no value either.
    [`${at} got ${quotedValue('A'.repeat(80))}, expected "x"`, undefined],
    [`${at} got ${quotedValue('Roe\u2069\u202e')} as sent`, undefined],
  ])('%s', (reason, expected) => {
    const copy = copied(reason);
    expect(copy).toBe(expected);
    expect(JSON.stringify(reasonCodes(reason))).not.toMatch(/[\u2068\u2069\u202a-\u202e]/);
  });
});
