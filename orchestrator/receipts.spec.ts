import { describe, expect, it } from 'vitest';
import { type ConsumedEvent, type Receipt, receiptRecord } from '../bus/index.ts';
import { ORCHESTRATOR_SOURCE, orchestratorSource } from './commands.ts';
import { routeReceipt } from './receipts.ts';

/**
 * Two deployments (each its own orchestrator database) that share the topics send commands with the same ids
 * (`<workflow id>:<step>`, the business key): each takes the receipts of its own commands only, told apart by the
 * command's `ce_source`, which the receipt names.
 */
const ours = orchestratorSource('2f0c0d5e-0000-4000-8000-000000000001');
const theirs = orchestratorSource('9a1b2c3d-0000-4000-8000-000000000002');
const workflowId = 'order-to-delivery:sap:4711';

function receiptOf(command: { source?: string }): ConsumedEvent {
  const record = receiptRecord(
    { id: `${workflowId}:despatch`, subject: workflowId, ...command },
    'logistics-despatch',
    'APPLIED',
  );
  const value = JSON.parse(String(record.value)) as Receipt;
  return { value, schemaName: 'json', key: null, attributes: {}, record: {} as never };
}

const route = (event: ConsumedEvent) =>
  routeReceipt(event, 'order-to-delivery', 'despatch', 'despatch.receipt', ours);

describe('receipts of two deployments sharing the topics', () => {
  it('a receipt names the source of the command it answers', () => {
    expect(receiptOf({ source: ours }).value).toMatchObject({
      commandId: `${workflowId}:despatch`,
      commandSource: ours,
    });
  });

  it("hands this deployment's receipt over and ignores the other's, though the command ids are the same", () => {
    expect(route(receiptOf({ source: ours }))).toEqual([
      {
        workflowId,
        kind: 'despatch.receipt',
        data: { outcome: 'APPLIED', reason: null, connector: 'logistics-despatch' },
      },
    ]);
    expect(route(receiptOf({ source: theirs }))).toEqual([]);
  });

  it('takes a receipt that names no source or the one before deployments had an identity (rolling upgrade)', () => {
    const old = receiptOf({});
    delete (old.value as Partial<Receipt>).commandSource;
    expect(route(old)).toHaveLength(1);
    expect(route(receiptOf({ source: ORCHESTRATOR_SOURCE }))).toHaveLength(1);
  });
});
