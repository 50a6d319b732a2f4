import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { element } from '../../formats/x12/segment.ts';
import { read855 } from '../../formats/x12-855/index.ts';
import { read856 } from '../../formats/x12-856/index.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { ConnectorRuntime } from '../index.ts';
import { startRuntime } from '../runtime/test-support.ts';

/** A partner's order as the x12-850 mapping made it, confirmed (or not) by the hub: the 855 fixtures' input. */
function order(status: string, po: string): Record<string, unknown> {
  const fixture = JSON.parse(
    readFileSync(
      new URL('../../mappings/edi/fixtures/x12-855/confirmed-as-ordered.json', import.meta.url),
      'utf8',
    ),
  ) as { value: { salesOrder: Record<string, unknown> } };
  const value = fixture.value;
  return {
    ...value,
    salesOrder: {
      ...value.salesOrder,
      orderId: `edi:ACMESUPPLY:${po}`,
      orderNumber: po,
      purchaseOrderNumber: po,
      sourceIds: [{ system: 'edi:ACMESUPPLY', id: po, idType: 'BEG03' }],
      status,
    },
  };
}

describe('file-sink with edi/x12-855: 855 acknowledgments into a partner’s outbound folder', () => {
  let bus: Awaited<ReturnType<typeof startRuntime>>['bus'];
  let runtime: ConnectorRuntime;
  let dir: string;

  beforeAll(async () => {
    ({ bus, runtime } = await startRuntime('/eai/tests/file-sink-x12'));
    dir = mkdtempSync(join(tmpdir(), 'eai-file-sink-x12-'));
  });
  afterAll(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one .x12 interchange per confirmed order, control numbers unique and increasing from its counter file; other statuses are skipped', async () => {
    const topic = unique('orders-confirmed');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish([
      { schema: 'SalesOrderEvent', topic, value: order('CONFIRMED', 'PO-1'), attributes: { id: 'o1' } },
      // The partner's own 850 (RECEIVED) is no answer: skipped.
      { schema: 'SalesOrderEvent', topic, value: order('RECEIVED', 'PO-2'), attributes: { id: 'o2' } },
      { schema: 'SalesOrderEvent', topic, value: order('CONFIRMED', 'PO-3'), attributes: { id: 'o3' } },
      { schema: 'SalesOrderEvent', topic, value: order('REJECTED', 'PO-4'), attributes: { id: 'o4' } },
    ]);
    await publisher.close();

    const out = join(dir, 'acmesupply', 'outbound');
    const name = unique('acme-855');
    await runtime.put(
      {
        name,
        type: 'file-sink',
        topics: [topic],
        mapping: 'edi/x12-855.from-canonical.yaml',
        config: { dir: out, filePrefix: '855_', controlNumberFile: join(dir, 'acmesupply', 'isa13') },
      },
      'test',
    );
    await waitFor('the sink caught up', async () => {
      const m = (await runtime.status(name))!.metrics;
      return m.recordsOut + m.recordsSkipped + m.recordsFailed === 4;
    });
    expect((await runtime.status(name))!.metrics).toMatchObject({
      recordsOut: 3,
      recordsSkipped: 1,
      recordsFailed: 0,
    });
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(3);
    for (const file of files) expect(file).toMatch(/^855_.+\.x12$/);
    const sets = files.map((file) => read855(readFileSync(join(out, file)))[0]!);
    const answers = sets
      .map((set) => {
        const bak = set.segments.find((s) => s.tag === 'BAK')!;
        return {
          isa13: Number(set.envelope.interchange.controlNumber),
          gs06: Number(set.envelope.group.controlNumber),
          from: set.envelope.interchange.senderId,
          to: set.envelope.interchange.receiverId,
          bak: [1, 2, 3, 4].map((n) => element(bak, n)),
          acks: set.segments.filter((s) => s.tag === 'ACK').map((s) => element(s, 1)),
        };
      })
      .sort((a, b) => a.isa13 - b.isa13);
    expect(answers).toEqual([
      {
        isa13: 1,
        gs06: 1,
        from: 'BIGRETAIL',
        to: 'ACMESUPPLY',
        bak: ['00', 'AD', 'PO-1', '20240311'],
        acks: ['IA', 'IA', 'IA'],
      },
      {
        isa13: 2,
        gs06: 2,
        from: 'BIGRETAIL',
        to: 'ACMESUPPLY',
        bak: ['00', 'AD', 'PO-3', '20240311'],
        acks: ['IA', 'IA', 'IA'],
      },
      {
        isa13: 3,
        gs06: 3,
        from: 'BIGRETAIL',
        to: 'ACMESUPPLY',
        bak: ['00', 'RD', 'PO-4', '20240311'],
        acks: ['IR', 'IR', 'IR'],
      },
    ]);
    // The counter holds the last number used: a restart, or an offsets reset, goes on from it.
    expect(readFileSync(join(dir, 'acmesupply', 'isa13'), 'utf8')).toBe('3\n');
  });

  it('writes an 856 of a shipment whose order did not come as an 850 to the partner its config.envelope names', async () => {
    const fixture = JSON.parse(
      readFileSync(
        new URL('../../mappings/edi/fixtures/x12-856/hl-shipment-order-pack-item.json', import.meta.url),
        'utf8',
      ),
    ) as { value: { shipment: { orderReferences: { orderId: string | null }[]; extensions: object } } };
    const value = fixture.value;
    // As a WMS's shipment of an SAP order gives it: no 850's ids.
    for (const ref of value.shipment.orderReferences) ref.orderId = 'sap:4500001';
    value.shipment.extensions = {};
    const topic = unique('shipments');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish([{ schema: 'ShipmentEvent', topic, value, attributes: { id: 's1' } }]);
    await publisher.close();

    const out = join(dir, 'h9acme', 'outbound');
    const name = unique('acme-856');
    await runtime.put(
      {
        name,
        type: 'file-sink',
        topics: [topic],
        mapping: 'edi/x12-856.from-canonical.yaml',
        config: {
          dir: out,
          filePrefix: '856_',
          controlNumberFile: join(dir, 'h9acme', 'isa13'),
          envelope: {
            senderQualifier: '01',
            senderId: '123456789',
            receiverQualifier: '12',
            receiverId: '5551234567',
          },
        },
      },
      'test',
    );
    await waitFor('the sink wrote it', async () => (await runtime.status(name))!.metrics.recordsOut === 1);
    const [file] = readdirSync(out);
    const [set] = read856(readFileSync(join(out, file!)));
    expect(set!.envelope.interchange).toMatchObject({
      senderQualifier: '01',
      senderId: '123456789',
      receiverQualifier: '12',
      receiverId: '5551234567',
      controlNumber: '000000001',
    });
  });
});
