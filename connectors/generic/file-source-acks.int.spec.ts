import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readX12 } from '../../formats/x12/parse.ts';
import { element } from '../../formats/x12/segment.ts';
import { readRawMessages, topicEnds, wireTopic } from '../../tests/raw-consumer.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { type ConnectorRuntime, connectorKey } from '../index.ts';
import { startRuntime } from '../runtime/test-support.ts';

const fixture = readFileSync('formats/x12-850/fixtures/several-st-sets.edi', 'utf8');
const firstSet = fixture.slice(fixture.indexOf('ST*850*0001'), fixture.indexOf('ST*850*0002'));
// The topics the connector writes, as the broker names them (with EAI_KAFKA_PREFIX's prefix when a run sets one).
const orders = wireTopic('canonical.sales-order');
const deadLetters = wireTopic('dlq.mapping');

/** Three 850 sets in one interchange (ISA13 `isa13`), the third with BEG05 an impossible date: it cannot be read. */
function interchange(isa13: string): string {
  const sets = [1, 2, 3].map((n) => {
    const st = `000${n}`;
    const set = firstSet.replaceAll('0001', st).replace('PO-A-1001', `PO-${isa13}-${n}`);
    return n === 3 ? set.replace('**20240311', '**20240230') : set;
  });
  const head = fixture.slice(0, fixture.indexOf('ST*850*0001')).replace('000004711', isa13);
  return `${head}${sets.join('')}GE*3*103~IEA*1*${isa13}~`;
}

describe('file-source with acknowledgements, on the real broker', () => {
  let runtime: ConnectorRuntime;
  let root: string;

  beforeAll(async () => {
    ({ runtime } = await startRuntime('/eai/tests/file-source-acks'));
    root = mkdtempSync(join(tmpdir(), 'eai-acks-'));
  });
  afterAll(async () => {
    await runtime?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('three 850 sets, one unreadable: two records, one dead letter, then a 997 (A, A, R; AK9 P); a redelivery overwrites it', async () => {
    const drop = join(root, 'drop');
    const acks = join(root, 'acks');
    mkdirSync(drop);
    const name = unique('x12-acks');
    const isa13 = String(Date.now()).slice(-9);
    const from = await topicEnds(orders);
    const dlqFrom = await topicEnds(deadLetters);
    await runtime.put(
      {
        name,
        type: 'file-source',
        format: 'x12-850',
        config: { dir: drop, stableMs: 50, acknowledgements: { dir: acks } },
      },
      'test',
    );
    await waitFor('the connector running', async () => (await runtime.status(name))?.state === 'RUNNING');
    writeFileSync(join(drop, 'po.x12'), interchange(isa13));

    const ackName = `997_ACMESUPPLY_BIGRETAIL_${isa13}.x12`;
    const ackPath = join(acks, ackName);
    await waitFor('the 997', () => readdirSync(root).includes('acks') && readdirSync(acks).includes(ackName));
    // Written after the commit: the position that says the file is read is on Kafka when the 997 is there.
    const offsets = await runtime.offsets(name);
    // With the fates the 997 is written from (the third set dead-lettered), should a crash come before it is.
    expect(offsets![0]!.offset).toMatchObject({
      file: 'po.x12',
      done: true,
      acks: { from: 1, refused: [[3, 3, expect.stringContaining('BEG05')]] },
    });

    const records = await readRawMessages(orders, 2, {
      wanted: (m) => m.headers.ce_id?.startsWith(`${isa13}/`) ?? false,
      from,
    });
    expect(records.map((r) => r.headers.ce_id).sort()).toEqual([`${isa13}/0001`, `${isa13}/0002`]);
    const [letter] = await readRawMessages(deadLetters, 1, {
      wanted: (m) => m.headers['__connect.errors.connector.name'] === connectorKey(name, runtime.group),
      from: dlqFrom,
    });
    expect(letter!.key).toBe(`${isa13}/0003`);

    const [ack] = readX12(readFileSync(ackPath), 'x12-997');
    expect(ack!.envelope.interchange).toMatchObject({
      senderId: 'BIGRETAIL',
      receiverId: 'ACMESUPPLY',
      controlNumber: '000000001',
    });
    const tags = (tag: string) => ack!.segments.filter((s) => s.tag === tag);
    expect(tags('AK1').map((s) => s.elements)).toEqual([['PO', '103']]);
    expect(tags('AK2').map((s) => element(s, 2))).toEqual(['0001', '0002', '0003']);
    expect(tags('AK5').map((s) => s.elements)).toEqual([['A'], ['A'], ['R', '5']]);
    expect(tags('AK3').map((s) => s.elements)).toEqual([['BEG', '2', '', '8']]);
    expect(tags('AK4').map((s) => s.elements)).toEqual([['5', '', '8', '20240230']]);
    expect(tags('AK9').map((s) => s.elements)).toEqual([['P', '3', '3', '2']]);

    // The partner sends the same interchange again: a duplicate (ISA06 / ISA08 / ISA13 published before), so its sets
    // are dead-lettered with why and a TA1 R 025 answers it; the 997 stays as it was.
    await waitFor('po.x12 in done/', () => readdirSync(join(drop, 'done')).includes('po.x12'));
    writeFileSync(join(drop, 'po.x12'), interchange(isa13));
    const ta1 = `TA1_ACMESUPPLY_BIGRETAIL_${isa13}.x12`;
    await waitFor('the TA1', () => readdirSync(acks).includes(ta1));
    expect(readFileSync(join(acks, ta1), 'utf8').split('~')[1]).toBe(`TA1*${isa13}*240312*0930*R*025`);
    expect(readX12(readFileSync(ackPath), 'x12-997')[0]!.envelope.interchange.controlNumber).toBe(
      '000000001',
    );
    const duplicates = await readRawMessages(deadLetters, 4, {
      wanted: (m) => m.headers['__connect.errors.connector.name'] === connectorKey(name, runtime.group),
      from: dlqFrom,
    });
    expect(
      duplicates.filter((m) =>
        m.headers['__connect.errors.exception.message']?.includes(
          `duplicate interchange: ISA06 ACMESUPPLY, ISA08 BIGRETAIL, ISA13 ${isa13} was already published`,
        ),
      ),
    ).toHaveLength(3);
    expect((await runtime.status(name))!.metrics).toMatchObject({ recordsOut: 2, recordsFailed: 4 });
    await runtime.remove(name);
  });

  it('an interchange cut short (no GE, no IEA): no record, its sets dead-lettered with why, a TA1 R 023, the file in error/', async () => {
    const drop = join(root, 'drop-cut');
    const acks = join(root, 'acks-cut');
    mkdirSync(drop);
    const name = unique('x12-cut');
    const isa13 = String(Date.now() + 1).slice(-9);
    const dlqFrom = await topicEnds(deadLetters);
    await runtime.put(
      {
        name,
        type: 'file-source',
        format: 'x12-850',
        config: { dir: drop, stableMs: 50, acknowledgements: { dir: acks } },
      },
      'test',
    );
    await waitFor('the connector running', async () => (await runtime.status(name))?.state === 'RUNNING');
    const whole = interchange(isa13);
    writeFileSync(join(drop, 'cut.x12'), whole.slice(0, whole.indexOf('GE*3*103~')));
    const ta1 = `TA1_ACMESUPPLY_BIGRETAIL_${isa13}.x12`;
    await waitFor('the TA1', () => readdirSync(root).includes('acks-cut') && readdirSync(acks).includes(ta1));
    expect(readFileSync(join(acks, ta1), 'utf8').split('~')[1]).toBe(`TA1*${isa13}*240312*0930*R*023`);
    expect(readdirSync(acks).filter((file) => !file.startsWith('.'))).toEqual([ta1]);
    const letters = await readRawMessages(deadLetters, 3, {
      wanted: (m) => m.headers['__connect.errors.connector.name'] === connectorKey(name, runtime.group),
      from: dlqFrom,
    });
    // Keyed by the set's id, as the mapping step's dead letters of a set are (the file's name in eai.document.name).
    expect(letters.map((l) => l.key).sort()).toEqual([`${isa13}/0001`, `${isa13}/0002`, `${isa13}/0003`]);
    expect(letters.map((l) => l.headers['eai.document.name']).sort()).toEqual([
      'cut.x12#1',
      'cut.x12#2',
      'cut.x12#3',
    ]);
    for (const letter of letters)
      expect(letter.headers['__connect.errors.exception.message']).toMatch(
        /^ISA#1\/GS#1\/ST#\d \(byte \d+\): truncated: ISA#1 has no IEA \(the file ends first\)/,
      );
    await waitFor('cut.x12 in error/', () => readdirSync(join(drop, 'error')).includes('cut.x12'));
    expect((await runtime.status(name))!.metrics).toMatchObject({ recordsOut: 0, recordsFailed: 3 });
    await runtime.remove(name);
  });

  it('an EDIFACT interchange cut short (no UNZ): no record, its messages dead-lettered with why, a CONTRL UCI 4 13 UNZ, the file in error/', async () => {
    const drop = join(root, 'drop-edifact-cut');
    const acks = join(root, 'acks-edifact-cut');
    mkdirSync(drop);
    const name = unique('edifact-cut');
    const ref = `C${Date.now().toString(36)}`.toUpperCase();
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
    const orders = readFileSync('formats/edifact-orders/fixtures/no-una-defaults-crlf.edi', 'utf8');
    const message = orders.slice(orders.indexOf('UNH+'), orders.indexOf('UNZ+'));
    const second = message.replaceAll('ORD-2', 'ORD-3').replace('4500012346', '4500012347');
    const unb = orders.slice(0, orders.indexOf('UNH+')).replace('10042', ref);
    writeFileSync(join(drop, 'cut.edi'), `${unb}${message}${second}`);
    const contrl = `CONTRL_4012345000009_5412345000013_${ref}.edi`;
    await waitFor(
      'the CONTRL',
      () => readdirSync(root).includes('acks-edifact-cut') && readdirSync(acks).includes(contrl),
    );
    expect(readFileSync(join(acks, contrl), 'utf8')).toContain(
      `UCI+${ref}+4012345000009:14+5412345000013:14+4+13+UNZ'`,
    );
    const letters = await readRawMessages(deadLetters, 2, {
      wanted: (m) => m.headers['__connect.errors.connector.name'] === connectorKey(name, runtime.group),
      from: dlqFrom,
    });
    expect(letters.map((l) => l.key).sort()).toEqual([`${ref}/ORD-2`, `${ref}/ORD-3`]);
    for (const letter of letters)
      expect(letter.headers['__connect.errors.exception.message']).toMatch(
        /^UNB#1\/UNH#\d \(byte \d+\): truncated: UNB#1 has no UNZ \(the file ends first\)/,
      );
    await waitFor('cut.edi in error/', () => readdirSync(join(drop, 'error')).includes('cut.edi'));
    expect((await runtime.status(name))!.metrics).toMatchObject({ recordsOut: 0, recordsFailed: 2 });
    await runtime.remove(name);
  });
});
