import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRefused } from '../../formats/each-document.ts';
import { readEdifact } from '../../formats/edifact/parse.ts';
import { findReader } from '../../formats/index.ts';
import { quotedValue } from '../../lib/errors.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { contrlReason } from './file-drop/ack-reasons.ts';
import { createFileDropSource } from './file-drop.ts';
import { createTestContext } from './test-support.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eai-file-drop-contrl-'));
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

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../formats/edifact-orders/fixtures', name), 'utf8');
const expected = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../formats/edifact/contrl', name), 'utf8');

/** The fixture's one message (UNH..UNT), as ORD-<n> of the association EAN008. */
const body = fixture('no-una-defaults-crlf.edi').replaceAll('\r\n', '\n');
const message = body.slice(body.indexOf('UNH+'), body.indexOf('UNZ+'));

/** An ORDERS interchange of `count` messages (UNB 0020 `ref`, 10042), the `bad`-th with QTY01.2 "twelve" (segment 19). */
function interchange(count: number, options: { bad?: number; unbDate?: string; ref?: string } = {}): string {
  const ref = options.ref ?? '10042';
  let messages = '';
  for (let n = 1; n <= count; n++) {
    const one = message
      .replace('UNH+ORD-2+ORDERS:D:96A:UN', `UNH+ORD-${n}+ORDERS:D:96A:UN:EAN008`)
      .replace('UNT+38+ORD-2', `UNT+38+ORD-${n}`)
      .replace('BGM+220+4500012346', `BGM+220+45000${n}`);
    messages += n === options.bad ? one.replace('QTY+21:24:PCE', 'QTY+21:twelve:PCE') : one;
  }
  const unb = `UNB+UNOC:3+4012345000009:14+5412345000013:14+${options.unbDate ?? '240312'}:1430+${ref}'\n`;
  return `${unb}${messages}UNZ+${count}+${ref}'\n`;
}

/** Polls until `count` documents came (the folder is listed once its files stood still). */
async function pollAll(task: SourceTask, count: number): Promise<SourceDocument[]> {
  const documents: SourceDocument[] = [];
  for (let i = 0; i < 50 && documents.length < count; i++) documents.push(...(await task.poll()));
  return documents;
}

/** What the runtime would say of each document the hub's ORDERS reader refuses (`<ErrorClass>: <message>`). */
function refusals(documents: SourceDocument[]): Map<SourceDocument, string> {
  const refused = new Map<SourceDocument, string>();
  for (const document of documents) {
    try {
      const [result] = findReader('edifact-orders').parseEach!(document.bytes);
      if (result && isRefused(result))
        refused.set(document, `${result.refused.name}: ${result.refused.message}`);
    } catch (error) {
      // An interchange-level refusal (its UNB): the whole document is refused.
      refused.set(document, `${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  return refused;
}

/** The CONTRL's segments between its UNB and its UNZ (which hold its own date and reference), one a line. */
function between(contrl: Buffer | string): string {
  const segments = contrl.toString().replaceAll("'\n", "'").split("'");
  return segments.slice(1, -2).join("'\n");
}

async function source(name: string, config: Record<string, unknown> = {}) {
  const { drop, acks } = await caseFolders();
  const { context, logs } = createTestContext(name);
  const task = createFileDropSource(
    { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks }, ...config },
    { ...context, baseDir: root },
  );
  await task.start(new Map());
  return { drop, acks, task, logs };
}

describe('file-source acknowledgements (CONTRL after the commit)', () => {
  it('reads an EDIFACT file message by message and writes the CONTRL once committed: UCM 7, 7, 4 (UCS/UCD), UCI 7', async () => {
    const { drop, acks, task } = await source('contrl-connector');
    await writeFile(join(drop, 'orders.edi'), interchange(3, { bad: 3 }));
    const documents = await pollAll(task, 3);
    // One document per message, though the file is small and split is none: the file's UNB says EDIFACT.
    expect(documents.map((d) => d.name)).toEqual(['orders.edi#1', 'orders.edi#2', 'orders.edi#3']);
    await task.commit(documents, { ok: false, error: new Error('broker away') });
    await expect(readdir(acks)).rejects.toThrow(/ENOENT/);
    const again = await task.poll();
    const refused = refusals(again);
    expect([...refused.values()]).toEqual([
      `FormatError: edifact-orders: UNB#1/UNH#1/LIN#1/QTY (segment 19, line 19), element QTY01.2: QTY01.2 must be numeric, found ${quotedValue('twelve')}`,
    ]);
    await task.commit(again, { ok: true, published: 2, deadLettered: 1, refused });
    expect((await readdir(acks)).sort()).toEqual([
      '.eai-control-number-contrl-connector',
      'CONTRL_4012345000009_5412345000013_10042.edi',
    ]);
    const written = await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi'));
    expect(between(written)).toBe(between(expected('contrl-message-rejected.edi')));
    const [contrl] = readEdifact(written, 'edifact-contrl');
    expect(contrl!.envelope.interchange).toMatchObject({
      sender: { id: '5412345000013', qualifier: '14' },
      recipient: { id: '4012345000009', qualifier: '14' },
      controlRef: '1',
    });
    expect(await readdir(join(drop, 'done'))).toEqual(['orders.edi']);

    // Redelivered: the CONTRL is overwritten, with the next interchange control reference; all acknowledged.
    await writeFile(join(drop, 'orders.edi'), interchange(3));
    const redelivered = await pollAll(task, 3);
    await task.commit(redelivered, { ok: true, published: 3, deadLettered: 0 });
    const [second] = readEdifact(
      await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi')),
      'edifact-contrl',
    );
    expect(second!.envelope.interchange.controlRef).toBe('2');
    expect(second!.segments.filter((s) => s.tag === 'UCM').map((s) => s.elements[2])).toEqual([
      '7',
      '7',
      '7',
    ]);
    expect(second!.segments.find((s) => s.tag === 'UCI')!.elements[3]).toBe('7');
    await task.stop();
  });

  it('writes at a restart the CONTRL a crash after the commit kept from being written: the same one, from the position', async () => {
    const { drop, acks, task } = await source('contrl-crash');
    await writeFile(join(drop, 'orders.edi'), interchange(3, { bad: 3 }));
    const documents = await pollAll(task, 3);
    const refused = refusals(documents);
    // The runtime's positions for the transaction; committed, and the process dies before the CONTRL is written.
    const last = documents.map((d) => task.positionOf!(d, refused.get(d))).at(-1)!;
    await task.stop();
    await expect(readdir(acks)).rejects.toThrow(/ENOENT/);

    const { context } = createTestContext('contrl-crash');
    const restarted = createFileDropSource(
      { dir: drop, stableMs: 0, idleWaitMs: 10, acknowledgements: { dir: acks } },
      { ...context, baseDir: root },
    );
    await restarted.start(new Map([[last.partition, last.offset]]));
    const written = await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi'));
    expect(between(written)).toBe(between(expected('contrl-message-rejected.edi')));
    expect(await readdir(join(drop, 'done'))).toEqual(['orders.edi']);
    await restarted.stop();
  });

  it('rejects the interchange at the UCI when every message failed on its UNB (UNB04.1 no date: 12, UNB, 5:1)', async () => {
    const { drop, acks, task } = await source('contrl-unb');
    await writeFile(join(drop, 'orders.edi'), interchange(2, { unbDate: '240230' }));
    const documents = await pollAll(task, 2);
    const refused = refusals(documents);
    expect(refused.size).toBe(2);
    await task.commit(documents, { ok: true, published: 0, deadLettered: 2, refused });
    const written = await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi'));
    expect(between(written)).toBe(between(expected('contrl-interchange-rejected.edi')));
    await task.stop();
  });

  it('rejects an interchange cut short (no UNZ) at the UCI with 4, 13 at the UNZ and refuses its messages; a group without its UNE at its UCF', async () => {
    const { drop, acks, task } = await source('contrl-truncated');
    // a: cut off after its last UNT; b: an interchange whose UNZ the next UNB comes before, then a complete one;
    // c: a group without its UNE, the interchange closed by its UNZ.
    const cut = (text: string) => text.replace(/UNZ\+.*\n/, '');
    await writeFile(join(drop, 'a-cut.edi'), cut(interchange(2, { ref: 'CUT1' })));
    await writeFile(
      join(drop, 'b-next-unb.edi'),
      cut(interchange(1, { ref: 'CUT2' })) + interchange(1, { ref: 'WHOLE3' }),
    );
    const grouped = fixture('ung-group-several-messages.edi');
    await writeFile(join(drop, 'c-no-une.edi'), grouped.replace(/UNE\+[^']*'\s*/, ''));
    const documents = await pollAll(task, 6);
    expect(documents.map((d) => [d.name, d.refused])).toEqual([
      ['a-cut.edi#1', 'truncated: UNB#1 has no UNZ (the file ends first): its messages are not read'],
      ['a-cut.edi#2', 'truncated: UNB#1 has no UNZ (the file ends first): its messages are not read'],
      [
        'b-next-unb.edi#1',
        expect.stringMatching(/^truncated: UNB#1 has no UNZ \(the next UNB \(byte \d+\) came first\)/),
      ],
      ['b-next-unb.edi#2', undefined],
      [
        'c-no-une.edi#1',
        expect.stringMatching(/^truncated: UNB#1\/UNG#1 has no UNE \(the UNZ \(byte \d+\) came first\)/),
      ],
      ['c-no-une.edi#2', expect.stringMatching(/^truncated: UNB#1\/UNG#1 has no UNE/)],
    ]);
    // Each refused message keyed by its id (<UNB 0020>/<UNH 0062>), as the mapping step keys the messages it refuses.
    expect(documents.map((d) => d.id)).toEqual([
      'CUT1/ORD-1',
      'CUT1/ORD-2',
      'CUT2/ORD-1',
      undefined,
      '10042/ORD-5',
      '10042/ORD-6',
    ]);
    // As the runtime reports them: each refused one dead-lettered with its reason (a SourceRefusal).
    const refused = new Map(
      documents.filter((d) => d.refused !== undefined).map((d) => [d, `SourceRefusal: ${d.refused}`]),
    );
    await task.commit(documents, { ok: true, published: 1, deadLettered: 5, refused });
    expect((await readdir(acks)).filter((name) => !name.startsWith('.')).sort()).toEqual([
      'CONTRL_4012345000009_5412345000013_10042.edi',
      'CONTRL_4012345000009_5412345000013_CUT1.edi',
      'CONTRL_4012345000009_5412345000013_CUT2.edi',
      'CONTRL_4012345000009_5412345000013_WHOLE3.edi',
    ]);
    for (const ref of ['CUT1', 'CUT2']) {
      expect(between(await readFile(join(acks, `CONTRL_4012345000009_5412345000013_${ref}.edi`)))).toBe(
        ["UNH+1+CONTRL:D:3:UN'", `UCI+${ref}+4012345000009:14+5412345000013:14+4+13+UNZ'`, 'UNT+3+1'].join(
          '\n',
        ),
      );
    }
    expect(between(await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_WHOLE3.edi')))).toContain(
      "UCI+WHOLE3+4012345000009:14+5412345000013:14+7'",
    );
    expect(between(await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi')))).toBe(
      [
        "UNH+1+CONTRL:D:3:UN'",
        // The interchange acknowledged (its UNZ came), the group rejected, as one refused for its UNG is.
        "UCI+10042+4012345000009:14+5412345000013:14+7'",
        "UCF+G1+4012345000009+5412345000013+4+13+UNE'",
        'UNT+4+1',
      ].join('\n'),
    );
    // Files nothing could be read from go to error/, their messages in the dead-letter topic.
    expect((await readdir(join(drop, 'error'))).sort()).toEqual([
      'a-cut.edi',
      'a-cut.edi.reason',
      'c-no-une.edi',
      'c-no-une.edi.reason',
    ]);
    await task.stop();
  });

  it('answers a grouped interchange (split: edifact) with a UCF and its UCMs, and one with no message with UCI 4, 32', async () => {
    const { drop, acks, task, logs } = await source('contrl-groups', { split: 'edifact' });
    await writeFile(join(drop, 'a-grouped.edi'), fixture('ung-group-several-messages.edi'));
    await writeFile(
      join(drop, 'b-empty.edi'),
      "UNB+UNOA:4+SENDER:ZZ+RECIPIENT:ZZ+20240312:1430+EMPTY1'\nUNZ+0+EMPTY1'\n",
    );
    await writeFile(join(drop, 'c-letter.edi'), 'Dear supplier, please find our order attached.\n');
    const documents = await pollAll(task, 4);
    await task.commit(documents, { ok: true, published: 2, deadLettered: 2 });
    expect((await readdir(acks)).filter((name) => !name.startsWith('.')).sort()).toEqual([
      'CONTRL_4012345000009_5412345000013_10042.edi',
      'CONTRL_SENDER_RECIPIENT_EMPTY1.edi',
    ]);
    const grouped = between(await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi')));
    expect(grouped).toBe(
      [
        "UNH+1+CONTRL:D:3:UN'",
        "UCI+10042+4012345000009:14+5412345000013:14+7'",
        "UCF+G1+4012345000009+5412345000013+7'",
        "UCM+ORD-5+ORDERS:D:96A:UN+7'",
        "UCM+ORD-6+ORDERS:D:96A:UN+7'",
        'UNT+6+1',
      ].join('\n'),
    );
    const empty = await readFile(join(acks, 'CONTRL_SENDER_RECIPIENT_EMPTY1.edi'), 'utf8');
    expect(empty).toMatch(/^UNB\+UNOA:4\+RECIPIENT:ZZ\+SENDER:ZZ\+\d{8}:\d{4}\+\d+'UNH\+1\+CONTRL:4:1:UN'/);
    expect(empty).toContain("UCI+EMPTY1+SENDER:ZZ+RECIPIENT:ZZ+4+32'");
    expect(logs.map((l) => [l.msg, l.file])).toContainEqual([
      'file-drop: no acknowledgment: the file has no readable interchange header (ISA, UNB) to answer',
      'c-letter.edi',
    ]);
    await task.stop();
  });
});

describe('file-source acknowledgements: control counts and references (UNT, UNE, UNZ)', () => {
  it('rejects a message whose UNT01 is not its segment count (29) or whose UNT02 is not its UNH01 (28) at its UCM, dead-lettered as sent', async () => {
    const { drop, acks, task } = await source('contrl-unt');
    const off = interchange(3)
      .replace("UNT+38+ORD-2'", "UNT+37+ORD-2'")
      .replace("UNT+38+ORD-3'", "UNT+38+ORD-X'");
    await writeFile(join(drop, 'orders.edi'), off);
    const documents = await pollAll(task, 3);
    const refused = refusals(documents);
    // The reader refuses both (formats/edifact/envelope.ts), as X12's does a wrong SE01 / SE02: each goes to the
    // dead-letter topic whole, with the bytes the partner sent (its own UNT as sent).
    expect([...refused.keys()]).toEqual([documents[1], documents[2]]);
    expect([...refused.values()]).toEqual([
      expect.stringMatching(
        /UNT \(segment 39, line 39\): control count mismatch: UNT01 says "37" but there are 38/,
      ),
      expect.stringMatching(/control reference mismatch: UNT02 "ORD-X" differs from UNH01 "ORD-3"/),
    ]);
    expect(documents[1]!.bytes.toString()).toContain("UNT+37+ORD-2'");
    expect(documents[2]!.bytes.toString()).toContain("UNT+38+ORD-X'");
    await task.commit(documents, { ok: true, published: 1, deadLettered: 2, refused });
    const written = await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi'));
    expect(between(written)).toBe(between(expected('contrl-unt-mismatch.edi')));

    // The same interchange with its counts right: the accepted CONTRL, unchanged.
    await writeFile(join(drop, 'orders.edi'), interchange(2));
    const good = await pollAll(task, 2);
    expect(refusals(good).size).toBe(0);
    await task.commit(good, { ok: true, published: 2, deadLettered: 0 });
    const accepted = await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi'));
    expect(between(accepted)).toBe(between(expected('contrl-accepted.edi')));
    await task.stop();
  });

  it('says a UNZ01 that is not the number of messages (29) and a UNZ02 that is not UNB05 (28) at the UCI, each interchange of the file its own, no message refused', async () => {
    const { drop, acks, task } = await source('contrl-unz');
    const file = [
      interchange(2).replace("UNZ+2+10042'", "UNZ+3+10042'"),
      interchange(2, { ref: '10043' }).replace("UNZ+2+10043'", "UNZ+2+10099'"),
      interchange(2, { ref: '10044' }),
    ].join('');
    await writeFile(join(drop, 'orders.edi'), file);
    const documents = await pollAll(task, 6);
    // Each message carries a UNZ of its own (split/edifact.ts): the wrong one refuses none, as a wrong IEA01 none.
    expect(refusals(documents).size).toBe(0);
    await task.commit(documents, { ok: true, published: 6, deadLettered: 0 });
    const contrl = async (ref: string) =>
      between(await readFile(join(acks, `CONTRL_4012345000009_5412345000013_${ref}.edi`)));
    expect(await contrl('10042')).toBe(between(expected('contrl-unz-count.edi')));
    const answering = (name: string, ref: string) =>
      between(expected(name)).replace('UCI+10042+', `UCI+${ref}+`);
    expect(await contrl('10043')).toBe(answering('contrl-unz-reference.edi', '10043'));
    // The interchange after them, its trailer right, gets the accepted CONTRL.
    expect(await contrl('10044')).toBe(answering('contrl-accepted.edi', '10044'));
    await task.stop();
  });

  it('says a UNE01 / UNE02 that is off at its group’s UCF (29 / 28), and a UNZ01 that does not count the groups at the UCI', async () => {
    const { drop, acks, task } = await source('contrl-une');
    const grouped = fixture('ung-group-several-messages.edi');
    const g1 = grouped.slice(0, grouped.indexOf('UNE+')).replace(/\r\n/g, '\n');
    const ord5 = g1.slice(g1.indexOf('UNH+ORD-5'), g1.indexOf('UNH+ORD-6'));
    const g2 = `${grouped.slice(grouped.indexOf('UNG+'), grouped.indexOf('UNH+'))}`.replace('+G1+', '+G2+');
    const ord7 = ord5.replace('UNH+ORD-5+', 'UNH+ORD-7+').replace('UNT+38+ORD-5', 'UNT+38+ORD-7');
    await writeFile(join(drop, 'grouped.edi'), `${g1}UNE+3+G1'\n${g2}${ord7}UNE+1+GX'\nUNZ+1+10042'\n`);
    const documents = await pollAll(task, 3);
    expect(documents.map((d) => d.name)).toEqual(['grouped.edi#1', 'grouped.edi#2', 'grouped.edi#3']);
    expect(refusals(documents).size).toBe(0);
    await task.commit(documents, { ok: true, published: 3, deadLettered: 0 });
    const written = await readFile(join(acks, 'CONTRL_4012345000009_5412345000013_10042.edi'));
    expect(between(written)).toBe(between(expected('contrl-une-mismatch.edi')));
    await task.stop();
  });
});

describe('dead-letter reasons in CONTRL terms', () => {
  it.each([
    [
      'FormatError: edifact-orders: UNB#1/UNH#1/UNH (segment 2, line 2): message type "DESADV" (UNH02) is not edifact-orders; this reader takes ORDERS messages',
      { level: 'message', error: { code: '14', segment: 'UNH', element: { position: 3, component: 1 } } },
    ],
    [
      'FormatError: edifact-orders: UNB#1/UNH#1/UNT (segment 39, line 39): control count mismatch: UNT01 says "37" but there are 38 segments from UNH to UNT',
      { level: 'message', error: { code: '29', segment: 'UNT', element: { position: 2 } } },
    ],
    [
      'FormatError: edifact-orders: UNB#1/UNH#1/UNT (segment 39, line 39): control reference mismatch: UNT02 "X" differs from UNH01 "ORD-9"',
      { level: 'message', error: { code: '28', segment: 'UNT', element: { position: 3 } } },
    ],
    [
      'FormatError: edifact-orders: end of file (after segment 14): truncated: UNB#1/UNH#1/UNH (segment 2, line 2) has no UNT',
      { level: 'message', error: { code: '13', segment: 'UNT' } },
    ],
    [
      'FormatError: edifact-orders: UNB#1/UNH#1/UNH (segment 2, line 2): missing mandatory segment BGM',
      { level: 'message', segments: [{ position: 1, code: '13' }] },
    ],
    [
      'FormatError: edifact-orders: UNB#1/UNH#1/CUX (segment 15, line 15), element CUX01.2: CUX01.2 "EUX" is not an ISO 4217 currency code',
      {
        level: 'message',
        segments: [{ position: 14, elements: [{ code: '12', position: 2, component: 2 }] }],
      },
    ],
    [
      'FormatError: edifact-orders: UNB#1/UNH#1/DTM (segment 4, line 4), element DTM01.2: DTM01.2 "20240230": day 30 does not exist in February',
      {
        level: 'message',
        segments: [{ position: 3, elements: [{ code: '12', position: 2, component: 2 }] }],
      },
    ],
    [
      'FormatError: edifact-orders: byte 235: invalid UTF-8 (byte 0xfc at offset 235, line 8, column 36); UNB syntax identifier "UNOW" says UTF-8 or ASCII (UNOC…UNOK would name an ISO 8859 part)',
      { level: 'message', error: { code: '21' } },
    ],
    [
      'FormatError: edifact-orders: UNB#1 (segment 1, line 1), element UNB04.1: UNB04.1 "240230": February has no day 30',
      { level: 'interchange', error: { code: '12', segment: 'UNB', element: { position: 5, component: 1 } } },
    ],
    [
      'MappingError: edi/edifact-orders.to-canonical.yaml: salesOrder.orderId: is required',
      { level: 'message', error: { code: '18' } },
    ],
  ])('%s', (reason, expectedReason) => {
    expect(contrlReason(reason, 2)).toEqual(expectedReason);
  });
});
