import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEdifact } from '../../formats/edifact/parse.ts';
import { readRawMessages, topicEnds, wireTopic } from '../../tests/raw-consumer.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { type ConnectorRuntime, connectorKey } from '../index.ts';
import { startRuntime } from '../runtime/test-support.ts';

const fixture = readFileSync('formats/edifact-orders/fixtures/no-una-defaults-crlf.edi', 'utf8');
const message = fixture.slice(fixture.indexOf('UNH+'), fixture.indexOf('UNZ+'));
// The topics the connector writes, as the broker names them (with EAI_KAFKA_PREFIX's prefix when a run sets one).
const orders = wireTopic('canonical.sales-order');
const deadLetters = wireTopic('dlq.mapping');

/** Three ORDERS messages in one interchange (UNB 0020 `ref`), the third with QTY01.2 "twelve": it cannot be read. */
function interchange(ref: string): string {
  const messages = [1, 2, 3].map((n) => {
    const one = message
      .replace('UNH+ORD-2+', `UNH+ORD-${n}+`)
      .replace('UNT+38+ORD-2', `UNT+38+ORD-${n}`)
      .replace('BGM+220+4500012346', `BGM+220+${ref}${n}`);
    return n === 3 ? one.replace('QTY+21:24:PCE', 'QTY+21:twelve:PCE') : one;
  });
  const unb = fixture.slice(0, fixture.indexOf('UNH+')).replace('+10042', `+${ref}`);
  return `${unb}${messages.join('')}UNZ+3+${ref}'\r\n`;
}

describe('file-source with acknowledgements, EDIFACT, on the real broker', () => {
  let runtime: ConnectorRuntime;
  let root: string;

  beforeAll(async () => {
    ({ runtime } = await startRuntime('/eai/tests/file-source-contrl'));
    root = mkdtempSync(join(tmpdir(), 'eai-contrl-'));
  });
  afterAll(async () => {
    await runtime?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('three ORDERS, one unreadable: two records, one dead letter, then a CONTRL (UCM 7, 7, 4; UCI 7)', async () => {
    const drop = join(root, 'drop');
    const acks = join(root, 'acks');
    mkdirSync(drop);
    const name = unique('edifact-contrl');
    const ref = `C${String(Date.now()).slice(-9)}`;
    const from = await topicEnds(orders);
    const dlqFrom = await topicEnds(deadLetters);
    await runtime.put(
      {
        name,
        type: 'file-source',
        format: 'edifact-orders',
        config: { dir: drop, stableMs: 50, acknowledgements: { dir: acks } },
      },
      'test',
    );
    await waitFor('the connector running', async () => (await runtime.status(name))?.state === 'RUNNING');
    writeFileSync(join(drop, 'orders.edi'), interchange(ref));

    const contrlName = `CONTRL_4012345000009_5412345000013_${ref}.edi`;
    await waitFor(
      'the CONTRL',
      () => readdirSync(root).includes('acks') && readdirSync(acks).includes(contrlName),
    );
    // Written after the commit: the position that says the file is read is on Kafka when the CONTRL is there.
    const offsets = await runtime.offsets(name);
    expect(offsets![0]!.offset).toMatchObject({ file: 'orders.edi', done: true });

    const records = await readRawMessages(orders, 2, {
      wanted: (m) => m.headers.ce_id?.startsWith(`${ref}/`) ?? false,
      from,
    });
    expect(records.map((r) => r.headers.ce_id).sort()).toEqual([`${ref}/ORD-1`, `${ref}/ORD-2`]);
    const [letter] = await readRawMessages(deadLetters, 1, {
      wanted: (m) => m.headers['__connect.errors.connector.name'] === connectorKey(name, runtime.group),
      from: dlqFrom,
    });
    expect(letter!.key).toBe(`${ref}/ORD-3`);

    const [contrl] = readEdifact(readFileSync(join(acks, contrlName)), 'edifact-contrl');
    expect(contrl!.envelope.interchange).toMatchObject({
      syntax: 'UNOC',
      syntaxVersion: '3',
      sender: { id: '5412345000013', qualifier: '14' },
      recipient: { id: '4012345000009', qualifier: '14' },
      controlRef: '1',
    });
    expect(contrl!.envelope.message).toMatchObject({
      type: 'CONTRL',
      version: 'D',
      release: '3',
      agency: 'UN',
    });
    const tags = (tag: string) => contrl!.segments.filter((s) => s.tag === tag).map((s) => s.elements);
    // Some messages acknowledged, one rejected: the UCI acknowledges (7), the rejected one is its UCM's 4.
    expect(tags('UCI')).toEqual([[ref, ['4012345000009', '14'], ['5412345000013', '14'], '7']]);
    expect(tags('UCM')).toEqual([
      ['ORD-1', ['ORDERS', 'D', '96A', 'UN'], '7'],
      ['ORD-2', ['ORDERS', 'D', '96A', 'UN'], '7'],
      ['ORD-3', ['ORDERS', 'D', '96A', 'UN'], '4'],
    ]);
    // QTY is segment 18 of ORD-3 (UNH 1); QTY01.2 is S011 2:2, 37 invalid type of character.
    expect(tags('UCS')).toEqual([['18']]);
    expect(tags('UCD')).toEqual([['37', ['2', '2']]]);
    await waitFor('orders.edi in done/', () => readdirSync(join(drop, 'done')).includes('orders.edi'));
    await runtime.remove(name);
  });

  it('a UNT01 off: that message dead-lettered as sent (UCM 4, 29 at UNT01); a UNZ01 off: said at the UCI (7, 29 at UNZ01), the others mapped', async () => {
    const drop = join(root, 'drop-counts');
    const acks = join(root, 'acks-counts');
    mkdirSync(drop);
    const name = unique('edifact-contrl-counts');
    const ref = `K${String(Date.now()).slice(-9)}`;
    const from = await topicEnds(orders);
    const dlqFrom = await topicEnds(deadLetters);
    await runtime.put(
      {
        name,
        type: 'file-source',
        format: 'edifact-orders',
        config: { dir: drop, stableMs: 50, acknowledgements: { dir: acks } },
      },
      'test',
    );
    await waitFor('the connector running', async () => (await runtime.status(name))?.state === 'RUNNING');
    // ORD-3 made readable again, ORD-2's UNT01 one short, the UNZ01 one too many.
    const off = interchange(ref)
      .replace('QTY+21:twelve:PCE', 'QTY+21:24:PCE')
      .replace("UNT+38+ORD-2'", "UNT+37+ORD-2'")
      .replace(`UNZ+3+${ref}'`, `UNZ+4+${ref}'`);
    writeFileSync(join(drop, 'counts.edi'), off);

    const contrlName = `CONTRL_4012345000009_5412345000013_${ref}.edi`;
    await waitFor('the CONTRL', () => existsSync(join(acks, contrlName)));
    const records = await readRawMessages(orders, 2, {
      wanted: (m) => m.headers.ce_id?.startsWith(`${ref}/`) ?? false,
      from,
    });
    expect(records.map((r) => r.headers.ce_id).sort()).toEqual([`${ref}/ORD-1`, `${ref}/ORD-3`]);
    const [letter] = await readRawMessages(deadLetters, 1, {
      wanted: (m) => m.headers['__connect.errors.connector.name'] === connectorKey(name, runtime.group),
      from: dlqFrom,
    });
    expect(letter!.headers['__connect.errors.exception.message']).toMatch(
      /control count mismatch: UNT01 says "37" but there are 38 segments/,
    );
    // The message as the partner sent it (its segments, its UNT as sent), in the piece the file source cut.
    const letterText = letter!.value.toString();
    for (const segment of ["UNH+ORD-2+ORDERS:D:96A:UN'", `BGM+220+${ref}2+9'`, "UNT+37+ORD-2'"])
      expect(letterText).toContain(segment);

    const [contrl] = readEdifact(readFileSync(join(acks, contrlName)), 'edifact-contrl');
    const tags = (tag: string) => contrl!.segments.filter((s) => s.tag === tag).map((s) => s.elements);
    expect(tags('UCI')).toEqual([
      [ref, ['4012345000009', '14'], ['5412345000013', '14'], '7', '29', 'UNZ', '2'],
    ]);
    expect(tags('UCM')).toEqual([
      ['ORD-1', ['ORDERS', 'D', '96A', 'UN'], '7'],
      ['ORD-2', ['ORDERS', 'D', '96A', 'UN'], '4', '29', 'UNT', '2'],
      ['ORD-3', ['ORDERS', 'D', '96A', 'UN'], '7'],
    ]);
    await runtime.remove(name);
  });
});
