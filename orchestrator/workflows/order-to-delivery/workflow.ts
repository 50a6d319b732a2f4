import { DBOS } from '@dbos-inc/dbos-sdk';
import { RECEIPT_TOPIC } from '../../../bus/index.ts';
import { NonRetriableError, quotedText } from '../../../lib/errors.ts';
import { sendAlert } from '../../commands.ts';
import type { InstanceSettings } from '../../definitions.ts';
import { Inbox, type InboxMessage, Interrupted } from '../../inbox.ts';
import { appliedBy } from '../../receipts.ts';
import { recordReferences } from '../../references.ts';
import { deps } from '../../runtime.ts';
import { finished, type Part, runStep, Saga, StepFailed } from '../../saga.ts';
import { type Also, allOf, awaitEvent } from '../../waits.ts';
import { type AmendmentNote, amend, amendmentChanges, ORDER_AMENDED, tooLateNote } from './amendments.ts';
import { DESPATCH_STEP, despatchReferences, TYPE } from './routes.ts';
import {
  type CreditDecision,
  creditCheck,
  crmStatus,
  despatch,
  erpStatus,
  type OrderInput,
} from './steps.ts';

export interface OrderOutcome {
  outcome: 'COMPLETED' | 'COMPENSATED' | 'CANCELLED';
  version: number;
  failedStep?: string;
  reason?: string;
  /** Compensated steps, in the order their compensations ran (the reverse of completion). */
  compensated: string[];
  shipmentId?: string;
  /** Version 7: the order's amendments, applied before the despatch request or too late for it. */
  amendments?: AmendmentNote[];
}

/** The DBOS step (one checkpoint) of the ERP confirmation and the despatch request, as the timeline shows it. */
export const CONFIRM_AND_DESPATCH = 'erp-confirm+logistics-despatch';

/** Version 3's first DBOS step: the credit check, and when it approves, the confirmation and despatch request too. */
export const CHECK_CONFIRM_AND_DESPATCH = 'credit-check+erp-confirm+logistics-despatch';

/** Version 4's DBOS step after the ASN: the ERP's SHIPPED status and the CRM's, one checkpoint. */
export const SHIPPED_AND_CRM = 'erp-shipped+crm-status';

/**
 * Version 6's update of the CRM's tracking numbers from a later notice at the delivery wait; the n-th update (n > 1,
 * a split shipment) is `crm-tracking-<n>`. Its command's `ce_id` is `<workflow id>:<step>`, so it is applied once.
 */
export const CRM_TRACKING = 'crm-tracking';

/**
 * Version 7's step for an amendment that came after the despatch request went out: a warning in the log and an alert
 * (kind `amendment_too_late`); the n-th is `amendment-too-late-<n>`. Its output is the note `show` prints.
 */
export const AMENDMENT_TOO_LATE = 'amendment-too-late';

/** The steps, in order, as operators and the failure tests name them (the saga's; see CONFIRM_AND_DESPATCH). */
export const STEPS = [
  'credit-check',
  'await-credit-approval',
  'erp-confirm',
  'logistics-despatch',
  'await-asn',
  'crm-status',
  'await-delivery',
] as const;

export const GRAPH = `flowchart TD
  start([SalesOrder CREATED]) --> credit[credit-check]
  credit -->|approved| confirm[erp-confirm: ORDRSP CONFIRMED]
  credit -->|blocked| hold[erp-credit-hold] --> approval{{await-credit-approval: signal approve-credit}}
  approval -->|approved| confirm
  approval -->|timeout / rejected| compensate
  confirm --> despatch[logistics-despatch]
  despatch --> asn{{await-asn: Shipment ANNOUNCED/SHIPPED}}
  asn -->|escalation timer| alert[/escalation alert/] --> asn
  asn -->|timeout| compensate
  asn --> crm[crm-status: SHIPPED + tracking]
  crm --> delivery{{await-delivery: DELIVERED / RECEIVED}}
  delivery -->|timeout: shipped, delivery unconfirmed| done
  delivery --> done([COMPLETED])
  cancel[/SalesOrder CANCELLED at any wait/] --> compensate[[compensate completed steps in reverse]]`;

/**
 * Order to delivery: a plain DBOS workflow whose only effects are steps (checkpointed), sends and
 * receives. Every step that changes another system registers its compensation with the saga.
 */
export interface WorkflowVariant {
  version: number;
  /** Version 2: the ERP also gets the order's SHIPPED status (with tracking) once the ASN is in. */
  erpShipped: boolean;
  /**
   * Version 3: the credit check in the same checkpoint as the confirmation and the despatch request when it
   * approves (one DBOS step, ~4 PostgreSQL transactions, fewer per instance); a blocked order's group ends after
   * the check, and the confirmation and despatch request are the checkpoint after the approval, as before.
   */
  creditInGroup?: boolean;
  /**
   * Version 4: the ERP's and the CRM's SHIPPED status after the ASN in one checkpoint (one DBOS step fewer again);
   * the ERP's has no compensation, so a CRM status failing for good compensates what it did in version 3.
   */
  shippedInGroup?: boolean;
  /**
   * Version 5: the despatch request asks the logistics sink for a receipt, and the ASN clock starts once the
   * provider applied it (`timers.despatchReceiptTimeoutMs` for the receipt; an ASN first counts as applied). A
   * refusal fails the step for good. Before, a request held behind a provider outage longer than the ASN timeout was
   * compensated (the order cancelled in the ERP) while the request still waited to go out, and was shipped after.
   */
  despatchReceipt?: boolean;
  /**
   * Version 6: the delivery wait also takes later ASNs, and one whose tracking numbers the CRM has not had sends it
   * one update (SHIPPED with every tracking number so far). The first notice moves the instance on: against the
   * logistics simulator that is usually the EPCIS shipping event, which carries none, a moment before the X12 856
   * that does, and the CRM's Order stayed Shipped with no tracking number.
   */
  trackingUpdates?: boolean;
  /**
   * Version 7: the order's amendments (SalesOrder UPDATED). One taken before the despatch request (at the credit hold)
   * is applied: the confirmation and the despatch request carry the amended order, and when it changed the amount
   * the credit check runs again (`credit-check-2`, …: approved ends the hold, blocked keeps it). One taken after
   * (at the receipt, ASN or delivery wait) is too late: not applied, logged, alerted and kept in the outcome.
   */
  amendments?: boolean;
}

/**
 * Why the credit was rejected, as the outcome keeps it: the signal's `reason` and who sent it, as a cancel's
 * (`credit rejected by an operator: customer over limit (oncall)`).
 */
export function rejection(signal: InboxMessage): string {
  const reason = (signal.data as { reason?: unknown } | null)?.reason;
  // The operator's own words may name a customer or an order's figures: marked as a value, as a document's are.
  const why = typeof reason === 'string' && reason.trim() ? `: ${quotedText(reason.trim(), 500)}` : '';
  return `credit rejected by an operator${why}${signal.by ? ` (${signal.by})` : ''}`;
}

type ShipmentNotice = { shipmentId: string; trackingNumbers: string[] | null };

/**
 * Version 6's `also` of the delivery wait: a later ASN's tracking numbers the CRM has not had (`sent`, updated here)
 * go to it in one step. The ERP gets none: no status-back mapping to it carries tracking (SAP's ORDRSP has no field).
 */
function trackingUpdates(id: string, input: () => OrderInput, saga: Saga, sent: Set<string>): Also {
  let updates = 0;
  return {
    kinds: ['shipment.asn'],
    take: async (message: InboxMessage) => {
      const notice = message.data as ShipmentNotice;
      const fresh = (notice.trackingNumbers ?? []).filter((number) => !sent.has(number));
      if (fresh.length === 0) return;
      for (const number of fresh) sent.add(number);
      updates++;
      const step = updates === 1 ? CRM_TRACKING : `${CRM_TRACKING}-${updates}`;
      const tracking = { trackingNumbers: [...sent], shipmentId: notice.shipmentId };
      await saga.step(step, () => crmStatus(id, step, input(), 'SHIPPED', tracking));
      return false;
    },
  };
}

/**
 * Version 5's wait for the despatch request's receipt: resolves undefined once the logistics sink applied it, or
 * with the ASN (or delivery) when the provider's answer came first; a refusal fails the despatch step for good.
 */
async function awaitDespatchReceipt(inbox: Inbox, input: OrderInput, timeoutMs: number, also?: Also) {
  const answer = await awaitEvent(inbox, {
    type: TYPE,
    wait: 'await-despatch-receipt',
    kinds: ['despatch.receipt', 'shipment.asn', 'shipment.delivered'],
    timeoutMs,
    trace: input.trace,
    ...(also ? { also } : {}),
  });
  if (answer.kind !== 'despatch.receipt') return answer;
  appliedBy(answer, DESPATCH_STEP, 'the logistics provider refused the despatch request');
  return undefined;
}

/**
 * Version 7's amendments at the credit hold: each is applied to the order the instance holds (`order`), and one that
 * changed the amount has the credit check run again under a step of its own (`credit-check-2`, …, its own idempotency
 * key at SAP); its approval ends the hold's wait (true), a block keeps it. An approval signal approves the order as
 * held when it arrives.
 */
function amendmentsOnHold(
  id: string,
  order: { current: OrderInput },
  saga: Saga,
  notes: AmendmentNote[],
): Also {
  let checks = 1;
  return {
    kinds: [ORDER_AMENDED],
    take: async (message) => {
      const before = order.current;
      order.current = amend(before, message);
      const changes = amendmentChanges(before.order, order.current.order);
      const repriced = order.current.amount !== before.amount || order.current.currency !== before.currency;
      notes.push({
        eventId: message.eventId,
        applied: true,
        at: 'await-credit-approval',
        changes,
        note: `amendment ${message.eventId} applied on credit hold${repriced ? ', credit checked again' : ''}: ${changes.join('; ')}`,
      });
      if (!repriced) return false;
      checks++;
      const step = `credit-check-${checks}`;
      const decision = await saga.step(step, () => creditCheck(id, order.current, step));
      return decision.result === 'approved';
    },
  };
}

/**
 * Version 7's amendments after the despatch request went out: not applied (the provider has the order as it was
 * sent); each is a step that logs a warning and sends an alert, and the outcome keeps it.
 */
function amendmentsTooLate(
  id: string,
  order: { current: OrderInput },
  wait: string,
  notes: AmendmentNote[],
): Also {
  return {
    kinds: [ORDER_AMENDED],
    take: async (message) => {
      const late = notes.filter((n) => !n.applied).length + 1;
      const step = late === 1 ? AMENDMENT_TOO_LATE : `${AMENDMENT_TOO_LATE}-${late}`;
      const changes = amendmentChanges(order.current.order, amend(order.current, message).order);
      const note = tooLateNote(message.eventId, changes);
      notes.push({ eventId: message.eventId, applied: false, at: wait, changes, note });
      const { trace, orderId } = order.current;
      await runStep(TYPE, step, async () => {
        deps().log.warn(
          { workflowId: id, eventId: message.eventId, orderId, changes },
          `order ${orderId} was changed (SalesOrder UPDATED) after ${id} sent its despatch request: ${note}`,
        );
        await sendAlert(
          trace,
          { kind: 'amendment_too_late', workflowId: id, type: TYPE, step: wait, message: note },
          `alert:${step}`,
        );
        return note;
      });
      return false;
    },
  };
}

export function orderToDeliveryWorkflow({
  version,
  erpShipped,
  creditInGroup = false,
  shippedInGroup = false,
  despatchReceipt = false,
  trackingUpdates: updateTracking = false,
  amendments: applyAmendments = false,
}: WorkflowVariant) {
  return async function orderToDelivery(
    input: OrderInput,
    { timers }: InstanceSettings,
  ): Promise<OrderOutcome> {
    const id = DBOS.workflowID!;
    const saga = new Saga(TYPE, input.trace);
    const inbox = new Inbox(['order.cancelled']);
    // The order as the instance holds it: version 7 applies amendments to it until the despatch request goes out.
    const order = { current: input };
    const notes: AmendmentNote[] = [];
    const tooLate = (wait: string) =>
      applyAmendments ? amendmentsTooLate(id, order, wait, notes) : undefined;
    const finish = (outcome: OrderOutcome) =>
      finished(TYPE, notes.length ? { ...outcome, amendments: notes } : outcome);
    try {
      const confirmAndDespatch: Part[] = [
        {
          name: 'erp-confirm',
          run: () => erpStatus(id, 'erp-confirm', order.current, 'CONFIRMED'),
          compensate: async () => {
            await erpStatus(id, 'compensate:erp-confirm', order.current, 'CANCELLED');
          },
        },
        {
          name: 'logistics-despatch',
          run: async () => {
            // The provider's ASN and EPCIS events name the order by the numbers the request carries: recorded
            // first, in the same step, so they are found whenever the provider answers (references.ts).
            await recordReferences(id, despatchReferences(order.current.order));
            return despatch(
              id,
              DESPATCH_STEP,
              order.current,
              'CONFIRMED',
              despatchReceipt ? RECEIPT_TOPIC : undefined,
            );
          },
          compensate: async () => {
            await despatch(id, 'compensate:logistics-despatch', order.current, 'CANCELLED');
          },
        },
      ];
      const credit = creditInGroup
        ? ((
            await saga.steps(CHECK_CONFIRM_AND_DESPATCH, [
              {
                name: 'credit-check',
                run: () => creditCheck(id, input),
                last: (decision) => (decision as CreditDecision).result === 'blocked',
              },
              ...confirmAndDespatch,
            ])
          )[0] as CreditDecision)
        : await saga.step('credit-check', () => creditCheck(id, input));
      if (credit.result === 'blocked') {
        // The hold is a state the hub gave the ERP's order: a rejection, a timeout or a cancellation at the wait
        // ends it there too, else the ERP keeps the order on credit hold for good while the instance is over.
        await saga.step(
          'erp-credit-hold',
          () => erpStatus(id, 'erp-credit-hold', input, 'CREDIT_HOLD'),
          async () => {
            await erpStatus(id, 'compensate:erp-credit-hold', input, 'CANCELLED');
          },
        );
        const decision = await awaitEvent(inbox, {
          type: TYPE,
          wait: 'await-credit-approval',
          kinds: ['signal.approve-credit', 'signal.reject-credit'],
          timeoutMs: timers.creditApprovalTimeoutMs,
          trace: input.trace,
          ...(applyAmendments ? { also: amendmentsOnHold(id, order, saga, notes) } : {}),
        });
        if (decision.kind === 'signal.reject-credit') {
          throw new StepFailed('await-credit-approval', new NonRetriableError(rejection(decision)));
        }
        // Approved (by an operator, or in version 7 by the credit check run again after an amendment): the
        // confirmation that follows ends the hold, and its own compensation cancels the order.
        saga.release('erp-credit-hold');
      }
      // One checkpoint for both commands (Saga.steps): it records which went out, so a despatch request failing for
      // good still compensates the confirmation. Version 3 sent them with the check when it approved.
      if (!creditInGroup || credit.result === 'blocked') {
        await saga.steps(CONFIRM_AND_DESPATCH, confirmAndDespatch);
      }
      // Version 5: the provider's receipt of the request first (or its ASN, which says it has it).
      const early = despatchReceipt
        ? await awaitDespatchReceipt(
            inbox,
            input,
            timers.despatchReceiptTimeoutMs,
            tooLate('await-despatch-receipt'),
          )
        : undefined;
      const asnAlso = tooLate('await-asn');
      const asn =
        early ??
        (await awaitEvent(inbox, {
          type: TYPE,
          wait: 'await-asn',
          kinds: ['shipment.asn', 'shipment.delivered'],
          escalateMs: timers.asnEscalationMs,
          timeoutMs: timers.asnTimeoutMs,
          trace: input.trace,
          ...(asnAlso ? { also: asnAlso } : {}),
        }));
      const shipment = asn.data as { shipmentId: string; trackingNumbers: string[] };
      const erpShippedPart: Part = {
        name: 'erp-shipped',
        run: () => erpStatus(id, 'erp-shipped', order.current, 'SHIPPED'),
      };
      const crmPart: Part = {
        name: 'crm-status',
        run: () => crmStatus(id, 'crm-status', order.current, 'SHIPPED', shipment),
        compensate: async () => {
          await crmStatus(id, 'compensate:crm-status', order.current, 'CANCELLED', shipment);
        },
      };
      if (erpShipped && shippedInGroup) await saga.steps(SHIPPED_AND_CRM, [erpShippedPart, crmPart]);
      else {
        if (erpShipped) await saga.step(erpShippedPart.name, erpShippedPart.run);
        await saga.step(crmPart.name, crmPart.run, crmPart.compensate);
      }
      if (asn.kind !== 'shipment.delivered') {
        const sent = new Set(shipment.trackingNumbers ?? []);
        const deliveryAlso = allOf(
          updateTracking ? trackingUpdates(id, () => order.current, saga, sent) : undefined,
          tooLate('await-delivery'),
        );
        try {
          await awaitEvent(inbox, {
            type: TYPE,
            wait: 'await-delivery',
            kinds: ['shipment.delivered'],
            escalateMs: timers.deliveryEscalationMs,
            timeoutMs: timers.deliveryTimeoutMs,
            trace: input.trace,
            ...(deliveryAlso ? { also: deliveryAlso } : {}),
          });
        } catch (error) {
          // No proof of delivery in time: the goods left (the ASN said so), so nothing is undone. It used to
          // compensate, telling the ERP and the CRM a shipped order was CANCELLED (SAP would not bill it) and
          // withdrawing a despatch the provider had carried out. The wait's timeout is counted
          // (eai_workflow_timeouts_total) and the outcome says what to do.
          if (!(error instanceof StepFailed && error.step === 'await-delivery')) throw error;
          return finish({
            outcome: 'COMPLETED',
            version,
            compensated: [],
            shipmentId: shipment.shipmentId,
            reason: `shipped (${shipment.shipmentId}) but no delivery confirmed within ${timers.deliveryTimeoutMs} ms of the ASN: nothing was cancelled; confirm the delivery with the carrier`,
          });
        }
      }
      return finish({
        outcome: 'COMPLETED',
        version,
        compensated: [],
        shipmentId: shipment.shipmentId,
      });
    } catch (error) {
      if (error instanceof Interrupted) {
        const compensated = await saga.compensate();
        return finish({ outcome: 'CANCELLED', version, reason: error.message, compensated });
      }
      if (error instanceof StepFailed) {
        const compensated = await saga.compensate();
        return finish({
          outcome: 'COMPENSATED',
          version,
          failedStep: error.step,
          reason: error.message,
          compensated,
        });
      }
      throw error;
    }
  };
}
