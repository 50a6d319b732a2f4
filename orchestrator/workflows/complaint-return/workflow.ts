import { DBOS } from '@dbos-inc/dbos-sdk';
import { RECEIPT_TOPIC } from '../../../bus/index.ts';
import type { InstanceSettings } from '../../definitions.ts';
import { Inbox, Interrupted } from '../../inbox.ts';
import { appliedBy } from '../../receipts.ts';
import { recordReferences } from '../../references.ts';
import { finished, Saga, StepFailed } from '../../saga.ts';
import { awaitEvent } from '../../waits.ts';
import { CREDIT_MEMO_STEP, TYPE } from './routes.ts';
import {
  type ComplaintInput,
  caseUpdate,
  creditLines,
  creditMemo,
  creditMemoNumber,
  lookupOrder,
  returnedOrderRef,
  returnLines,
  returnOrder,
} from './steps.ts';

export interface ComplaintOutcome {
  outcome: 'COMPLETED' | 'COMPENSATED' | 'CANCELLED';
  version: number;
  rma: string;
  failedStep?: string;
  reason?: string;
  /** Compensated steps, in the order their compensations ran (the reverse of completion). */
  compensated: string[];
  creditMemoNumber?: string;
  receiptShipmentId?: string;
  /** The sink that applied the credit memo request (version 3 on: its receipt). */
  creditMemoAppliedBy?: string;
}

/** The steps, in order, as operators and the failure tests name them. */
export const STEPS = [
  'lookup-order',
  'return-authorisation',
  'await-return-receipt',
  'credit-memo',
  'case-close',
] as const;

export const GRAPH = `flowchart TD
  start([Case CREATED about an order]) --> lookup[lookup-order: the order's lines, PO, sold-to; shipped or delivered]
  lookup --> rma[return-authorisation: return order RE under RMA-Case Id]
  rma --> receipt{{await-return-receipt: Shipment RECEIVED naming the RMA}}
  receipt -->|timeout| compensate
  receipt --> credit[credit-memo: credit memo request CR for what was received]
  credit --> close[case-close: Case CLOSED with resolution]
  close --> done([COMPLETED])
  cancel[/case closed in the CRM, or operator cancel, at the wait/] --> compensate[[compensate completed steps in reverse:
  case reopened WORKING, CR and RE re-sent CANCELLED]]
  lookup & rma & credit -->|fails for good| compensate
  compensate -->|a step failed| notice[case-notice: case WORKING, resolution saying why: order not found, not shipped, …]`;

/**
 * What the case says when the hub could not handle the complaint: an order the hub does not know, or one that has
 * not shipped (its order-to-delivery state: on credit hold, awaiting its ASN, cancelled), in words the service agent
 * can act on; any other failure by its step and cause, and what the hub took back.
 */
export function failureNotice(input: ComplaintInput, error: StepFailed, compensated: string[]): string {
  // By name: an error read back from its checkpoint (a replay) is no longer an instance of its class.
  if (
    error.step === 'lookup-order' &&
    error.cause instanceof Error &&
    error.cause.name === 'OrderNotShippedError'
  ) {
    const where = /\(([^()]*)\)$/.exec(error.cause.message)?.[1];
    return (
      `Order ${input.orderNumber} has not been shipped or delivered${where ? ` (${where})` : ''}: no return was ` +
      'authorised and nothing was credited. Check the order in the ERP, or handle the complaint by hand.'
    );
  }
  if (
    error.step === 'lookup-order' &&
    error.cause instanceof Error &&
    error.cause.name === 'OrderAlreadyReturnedError'
  ) {
    const by = /returned already by (.*)$/.exec(error.cause.message)?.[1];
    return (
      `Order ${input.orderNumber} has a return already${by ? ` (${by})` : ''}: no second return was authorised and ` +
      'nothing was credited again. Check the earlier case, or handle the complaint by hand.'
    );
  }
  if (error.step === 'lookup-order')
    return (
      `Order ${input.orderNumber} was not found in the integration hub: no return was authorised. ` +
      'Check the order number on the case, or handle the return by hand.'
    );
  const cause = (error.cause instanceof Error ? error.cause.message : error.message).replace(/\.$/, '');
  const undone = compensated.length ? ` The hub cancelled what it had sent (${compensated.join(', ')}).` : '';
  return `Return ${input.rma} stopped at ${error.step}: ${cause}.${undone} Please handle the return by hand.`;
}

/**
 * Complaint / return: a plain DBOS workflow whose only effects are steps (checkpointed), sends and receives. Every
 * step that changes another system registers its compensation with the saga. Version 2 adds the receipt wait's
 * escalation alert (`timers.returnReceiptEscalationMs`); version 3 asks for the sinks' receipt of the credit memo
 * request and waits for it (`timers.creditMemoReceiptTimeoutMs`): refused by the ERP, the step fails for good and the
 * saga compensates. Earlier versions keep their own sequences of checkpoints for the instances that started on them.
 */
export function complaintReturnWorkflow(version: number) {
  const escalates = version >= 2;
  const confirms = version >= 3;
  return async function complaintReturn(
    input: ComplaintInput,
    { timers }: InstanceSettings,
  ): Promise<ComplaintOutcome> {
    const id = DBOS.workflowID!;
    const saga = new Saga(TYPE, input.trace);
    const inbox = new Inbox(['case.closed']);
    const finish = (outcome: ComplaintOutcome) => finished(TYPE, outcome);
    try {
      const order = await saga.step('lookup-order', () => lookupOrder(input.orderNumber, id));
      await saga.step(
        'return-authorisation',
        async () => {
          // Recorded first, in the same step: a later case about the same order finds this return (lookupOrder).
          await recordReferences(id, [returnedOrderRef(order.orderId)]);
          return returnOrder(id, 'return-authorisation', input, order, 'OPEN');
        },
        async () => {
          await returnOrder(id, 'compensate:return-authorisation', input, order, 'CANCELLED');
        },
      );
      const receipt = await awaitEvent(inbox, {
        type: TYPE,
        wait: 'await-return-receipt',
        kinds: ['return.received'],
        escalateMs: escalates ? timers.returnReceiptEscalationMs : undefined,
        timeoutMs: timers.returnReceiptTimeoutMs,
        trace: input.trace,
      });
      const received = receipt.data as {
        shipmentId: string;
        lines: Parameters<typeof creditLines>[1];
      };
      const credited = creditLines(returnLines(order), received.lines);
      await saga.step(
        CREDIT_MEMO_STEP,
        () =>
          creditMemo(
            id,
            CREDIT_MEMO_STEP,
            input,
            order,
            credited,
            'OPEN',
            confirms ? RECEIPT_TOPIC : undefined,
          ),
        async () => {
          await creditMemo(id, 'compensate:credit-memo', input, order, credited, 'CANCELLED');
        },
      );
      const number = creditMemoNumber(input.rma);
      let applier: string | undefined;
      if (confirms) {
        const answer = await awaitEvent(inbox, {
          type: TYPE,
          wait: 'await-credit-memo-receipt',
          kinds: ['credit-memo.receipt'],
          timeoutMs: timers.creditMemoReceiptTimeoutMs,
          trace: input.trace,
        });
        applier = appliedBy(answer, CREDIT_MEMO_STEP, `the ERP refused credit memo request ${number}`);
      }
      await saga.step(
        'case-close',
        () =>
          caseUpdate(
            id,
            'case-close',
            input,
            'CLOSED',
            `Return ${input.rma} received (${received.shipmentId}); credit memo request ${number} ${applier ? 'accepted by' : 'sent to'} the ERP.`,
          ),
        async () => {
          await caseUpdate(
            id,
            'compensate:case-close',
            input,
            'WORKING',
            `Return ${input.rma}: the hub's handling was rolled back.`,
          );
        },
      );
      return finish({
        outcome: 'COMPLETED',
        version,
        rma: input.rma,
        compensated: [],
        creditMemoNumber: number,
        receiptShipmentId: received.shipmentId,
        ...(applier ? { creditMemoAppliedBy: applier } : {}),
      });
    } catch (error) {
      if (error instanceof Interrupted) {
        const compensated = await saga.compensate();
        return finish({
          outcome: 'CANCELLED',
          version,
          rma: input.rma,
          reason: error.message,
          compensated,
        });
      }
      if (error instanceof StepFailed) {
        const compensated = await saga.compensate();
        // The service agent hears why, on the case, through the path that closes cases (unless that path failed).
        if (error.step !== 'case-close') {
          await saga.step('case-notice', () =>
            caseUpdate(id, 'case-notice', input, 'WORKING', failureNotice(input, error, compensated)),
          );
        }
        return finish({
          outcome: 'COMPENSATED',
          version,
          rma: input.rma,
          failedStep: error.step,
          reason: error.message,
          compensated,
        });
      }
      throw error;
    }
  };
}
