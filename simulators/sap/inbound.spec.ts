import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader, writer } from '../../formats/sap-idoc-orders05/index.ts';
import type { OrderStatusRecord, OutboundFile } from './state.ts';
import { type SapHarness, startSap, waitUntil } from './test-support.ts';

type Status = {
  count: number;
  statuses: OrderStatusRecord[];
  files: { file: string; outcome: string; reason?: string }[];
};

/** An order response as the hub would write it: the order read back, turned into ORDRSP by the hub's writer. */
function responseTo(orderFile: string, docnum: string): Buffer {
  const tree = reader.parse(readFileSync(orderFile))[0]!.tree;
  tree.control.MESTYP = 'ORDRSP';
  tree.control.DOCNUM = docnum;
  tree.control.SNDPRN = 'EAIHUB';
  return writer.write(tree);
}

describe('SAP simulator: inbound ORDRSP', () => {
  let sap: SapHarness;
  let order: { path: string; orderNumber: string; purchaseOrderNumber: string };
  beforeAll(async () => {
    sap = await startSap();
    mkdirSync(sap.inboundDir, { recursive: true });
    const { body } = await sap.call<{ files: OutboundFile[] }>('POST', '/sim/orders', {
      count: 1,
      variant: 'plain',
    });
    const orders = await sap.call<{ orders: { orderNumber: string; purchaseOrderNumber: string }[] }>(
      'GET',
      '/sim/orders',
    );
    order = {
      path: join(sap.dropDir, body.files[0]!.file),
      orderNumber: orders.body.orders[0]!.orderNumber,
      purchaseOrderNumber: orders.body.orders[0]!.purchaseOrderNumber,
    };
  });
  afterAll(() => sap.close());

  it('posts a response to a known order (status 53) and moves the file to processed/', async () => {
    writeFileSync(join(sap.inboundDir, 'rsp1.xml'), responseTo(order.path, '0000000090000001'));
    const poll = await sap.call<{ files: { outcome: string }[] }>('POST', '/sim/inbound/poll');
    expect(poll.body.files).toEqual([expect.objectContaining({ file: 'rsp1.xml', outcome: 'processed' })]);
    expect(existsSync(join(sap.inboundDir, 'processed', 'rsp1.xml'))).toBe(true);
    expect(existsSync(join(sap.inboundDir, 'rsp1.xml'))).toBe(false);
    // Found by the SAP order number, as the query's name says, and by the customer's PO number; the PO is no order
    // number (the filter once compared orderNumber with the response's E1EDK02 001 reference, the PO).
    const { body } = await sap.call<Status>('GET', `/sim/order-status?orderNumber=${order.orderNumber}`);
    expect(body.statuses).toEqual([
      expect.objectContaining({
        docnum: '0000000090000001',
        status: '53',
        sender: 'EAIHUB',
        action: '000',
        orderNumber: order.orderNumber,
        purchaseOrderNumber: order.purchaseOrderNumber,
        reference: order.purchaseOrderNumber,
      }),
    ]);
    expect(body.statuses[0]!.items.length).toBeGreaterThan(0);
    const byPo = await sap.call<Status>(
      'GET',
      `/sim/order-status?purchaseOrderNumber=${order.purchaseOrderNumber}`,
    );
    expect(byPo.body.statuses.map((s) => s.docnum)).toEqual(['0000000090000001']);
    const poAsOrder = await sap.call<Status>(
      'GET',
      `/sim/order-status?orderNumber=${order.purchaseOrderNumber}`,
    );
    expect(poAsOrder.body.count).toBe(0);
  });

  it('refuses a repeated DOCNUM, a wrong message type and broken XML, each into error/ with the reason', async () => {
    writeFileSync(join(sap.inboundDir, 'again.xml'), responseTo(order.path, '0000000090000001'));
    writeFileSync(join(sap.inboundDir, 'orders.xml'), readFileSync(order.path));
    writeFileSync(join(sap.inboundDir, 'broken.xml'), '<ORDERS05><IDOC BEGIN="1"><EDI_DC40>');
    await sap.call('POST', '/sim/inbound/poll');
    const reasons = Object.fromEntries(
      ['again.xml', 'orders.xml', 'broken.xml'].map((name) => [
        name,
        readFileSync(join(sap.inboundDir, 'error', `${name}.error.txt`), 'utf8'),
      ]),
    );
    expect(reasons['again.xml']).toMatch(/already received/);
    expect(reasons['orders.xml']).toMatch(/message type ORDERS is not ORDRSP/);
    expect(reasons['broken.xml']).toMatch(/not well-formed XML/);
    expect(readdirSync(sap.inboundDir).filter((n) => n.endsWith('.xml'))).toEqual([]);
    const { body } = await sap.call<Status>('GET', '/sim/order-status');
    expect(body.statuses.filter((s) => s.status === '51')).toHaveLength(2);
    expect(
      body.files
        .filter((f) => f.outcome === 'error')
        .map((f) => f.file)
        .sort(),
    ).toEqual(['again.xml', 'broken.xml', 'orders.xml']);
  });

  it('answers 51 for a response to an order it never sent', async () => {
    const text = responseTo(order.path, '0000000090000077')
      .toString('utf8')
      .replace(order.purchaseOrderNumber, 'PO-NOPE');
    writeFileSync(join(sap.inboundDir, 'unknown.xml'), text);
    await sap.call('POST', '/sim/inbound/poll');
    expect(readFileSync(join(sap.inboundDir, 'error', 'unknown.xml.error.txt'), 'utf8')).toMatch(
      /order PO-NOPE does not exist/,
    );
    const effects = await sap.call<{ count: number }>('GET', '/sim/effects?entityType=ORDRSP&operation=post');
    expect(effects.body.count).toBe(1);
  });
});

describe('SAP simulator: inbound polling', () => {
  it('picks files up on its own, waiting for the .ready marker when asked to', async () => {
    const sap = await startSap({ pollMs: 20, requireInboundReadyMarker: true });
    try {
      mkdirSync(sap.inboundDir, { recursive: true });
      const { body } = await sap.call<{ files: OutboundFile[] }>('POST', '/sim/orders', { count: 1 });
      const orderFile = join(sap.dropDir, body.files[0]!.file);
      writeFileSync(join(sap.inboundDir, 'late.xml'), responseTo(orderFile, '0000000090000100'));
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(existsSync(join(sap.inboundDir, 'late.xml'))).toBe(true);
      writeFileSync(join(sap.inboundDir, 'late.xml.ready'), '');
      await waitUntil(() => existsSync(join(sap.inboundDir, 'processed', 'late.xml')));
      expect(existsSync(join(sap.inboundDir, 'late.xml.ready'))).toBe(false);
      const status = await sap.call<Status>('GET', '/sim/order-status');
      expect(status.body.statuses.map((s) => s.status)).toEqual(['53']);
    } finally {
      await sap.close();
    }
  });
});
