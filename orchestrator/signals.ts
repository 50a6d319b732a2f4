import { DBOS } from '@dbos-inc/dbos-sdk';
import { NonRetriableError } from '../lib/errors.ts';
import type { AnyWorkflowDefinition, DefinitionSet } from './definitions.ts';
import { INBOX_TOPIC, type InboxMessage } from './inbox.ts';
import { instanceSummary } from './operators.ts';
import { deps } from './runtime.ts';

/**
 * A signal `signalWorkflow` did not send, and why: `unknown` (no such instance), `not-taken` (its definition takes no
 * signal of that name; `takes` names the ones it does), `not-read` (nothing would read it: the instance finished,
 * waits elsewhere, or its wait already has a decision on the way). The message says which and what to do.
 */
export class SignalRefused extends NonRetriableError {
  readonly workflowId: string;
  readonly kind: 'unknown' | 'not-taken' | 'not-read';
  readonly takes: string[];
  constructor(
    workflowId: string,
    kind: 'unknown' | 'not-taken' | 'not-read',
    message: string,
    takes: string[] = [],
  ) {
    super(message);
    this.workflowId = workflowId;
    this.kind = kind;
    this.takes = takes;
  }
}

/**
 * A signal refused because its wait already has a decision on the way: an earlier signal that wait reads was sent and
 * the instance has not taken it yet. The message names that signal, when it was sent and by whom.
 */
export class SignalPending extends SignalRefused {
  constructor(workflowId: string, message: string) {
    super(workflowId, 'not-read', message);
  }
}

/** Operator statuses of an instance that has ended: nothing reads its inbox any more. */
const FINISHED: readonly string[] = ['COMPLETED', 'COMPENSATED', 'CANCELLED', 'FAILED'];

/**
 * An operator's signal (e.g. `approve-credit`) to an instance, the one way to send one (the admin route, the CLI
 * through it, specs and scripts alike): an inbox message of kind `signal.<name>` with its payload as sent (a
 * `reason`, for one) and `by`, who sent it, sent only if something will read it. Refused (`SignalRefused`) for an
 * unknown instance, a signal its definition does not take (a typo), a finished instance, a PARKED one (it reads only
 * an operator's retry or cancel; docs/orchestrator.md, Operators), one waiting at a wait that
 * reads no such signal, and one whose wait already has a decision on the way (`SignalPending`, `sendSignal`). Each
 * of them used to be answered as sent and lie unread in the inbox, or be taken at a later visit of the wait.
 */
export async function signalWorkflow(
  definitions: DefinitionSet,
  workflowId: string,
  name: string,
  data: unknown,
  options: { signalId: string; by?: string },
): Promise<void> {
  const instance = await instanceSummary(workflowId);
  if (!instance) throw new SignalRefused(workflowId, 'unknown', `no workflow ${workflowId}`);
  if (FINISHED.includes(instance.status)) {
    throw new SignalRefused(
      workflowId,
      'not-read',
      `workflow ${workflowId} has finished (${instance.status}): no signal is read`,
    );
  }
  const definition = definitions.all.find((d) => d.type === instance.type && d.version === instance.version);
  const takes = definition?.signals ?? [];
  if (definition && !takes.includes(name)) {
    throw new SignalRefused(
      workflowId,
      'not-taken',
      `${definition.name} takes no signal "${name}"${takes.length ? ` (it takes ${takes.join(', ')})` : ' (it takes none)'}`,
      takes,
    );
  }
  const readAt = definition?.signalWaits?.[name];
  // Parked (a step's system stayed unavailable, or a compensation failed): no wait is open, only the operator's retry
  // or cancel is read. Refused, not kept for after the retry: a decision belongs to what the operator saw at the wait
  // (SAP's block reason, after the check ran again), and an approval sent while the credit check was parked was
  // taken at the wait after the retry, so the order went on without anyone seeing why it was held.
  if (instance.status === 'PARKED') {
    throw new SignalRefused(
      workflowId,
      'not-read',
      `workflow ${workflowId} is PARKED at ${instance.step ?? 'a step'}${instance.state?.detail ? ` (${instance.state.detail})` : ''}: ` +
        `it reads no signal until it is retried or cancelled, so ${name} is refused; retry it (eai workflows retry ${workflowId}) ` +
        `and send ${name} once it waits${readAt ? ` at ${readAt.join(', ')}` : ''}, or cancel it (eai workflows cancel ${workflowId})`,
    );
  }
  // Waiting elsewhere (past the wait that reads it): it was answered 202 and never read.
  if (readAt && instance.status === 'WAITING' && instance.step && !readAt.includes(instance.step)) {
    throw new SignalRefused(
      workflowId,
      'not-read',
      `workflow ${workflowId} waits at ${instance.step}, which reads no ${name} (${readAt.join(', ')} does): the signal would not be read`,
    );
  }
  await sendSignal(workflowId, name, data, {
    ...options,
    oneOf: definition ? signalsOfSameWait(definition, name) : [],
    ...(readAt ? { wait: readAt.join(', ') } : {}),
  });
}

/** The inbox message itself; only `sendSignal` sends it, after the checks. */
async function deliver(workflowId: string, name: string, data: unknown, signalId: string, by?: string) {
  const message: InboxMessage = { kind: `signal.${name}`, eventId: signalId, data, ...(by ? { by } : {}) };
  await DBOS.send(workflowId, message, INBOX_TOPIC, signalId);
}

/**
 * The signals read at the same waits as `name` (itself included): `approve-credit` and `reject-credit` are both read
 * at `await-credit-approval`, so they are one decision. Empty when the definition names no wait for it (a signal
 * taken at any point, which is not one decision).
 */
export function signalsOfSameWait(definition: AnyWorkflowDefinition, name: string): string[] {
  const waits = definition.signalWaits?.[name] ?? [];
  if (waits.length === 0) return [];
  return Object.entries(definition.signalWaits ?? {})
    .filter(([, at]) => at.some((wait) => waits.includes(wait)))
    .map(([signal]) => signal);
}

/**
 * Sends a signal `signalWorkflow` checked, unless a signal of `oneOf` (`signalsOfSameWait`) is still unread in the instance's inbox,
 * i.e. not yet taken by a receive (DBOS keeps it in `dbos.notifications`, `consumed = false`, until the instance's
 * `recv` takes it), or was taken by the instance's latest receive (it is on its way from that wait, RUNNING, and its
 * reported state may still name the wait): then `SignalPending`. The check and the send hold a transaction-scoped advisory lock on the
 * instance in PostgreSQL, so two hubs (or two requests) sending at once are decided one after the other, and the
 * second sees the first. Once the instance begins another receive, a signal it took no longer counts, so a later visit of the same wait
 * takes a new one.
 */
async function sendSignal(
  workflowId: string,
  name: string,
  data: unknown,
  options: { signalId: string; by?: string; oneOf: string[]; wait?: string },
): Promise<void> {
  if (options.oneOf.length === 0) {
    await deliver(workflowId, name, data, options.signalId, options.by);
    return;
  }
  const client = await deps().pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`eai-signal:${workflowId}`]);
    // Unread, or taken by the receive the instance made last: a receive begins with its deadline's record
    // (`DBOS.sleep`, one after the receive's own id), so none after the taking one means no later visit of a wait.
    const { rows } = await client.query<{
      kind: string;
      by: string | null;
      sent_at: string;
      consumed: boolean;
    }>(
      `select kind, by, sent_at, consumed from (
         select coalesce(message::jsonb #>> '{json,kind}', message::jsonb ->> 'kind') as kind,
                coalesce(message::jsonb #>> '{json,by}', message::jsonb ->> 'by') as by,
                created_at_epoch_ms as sent_at, consumed, consumed_by_function_id as taken_by
         from dbos.notifications
         where destination_uuid = $1 and topic = $2
       ) m
       where kind = any($3::text[])
         and (not consumed or not exists (
           select 1 from dbos.operation_outputs o
           where o.workflow_uuid = $1 and o.function_name in ('DBOS.sleep', 'DBOS.recv')
             and o.function_id > m.taken_by + 1))
       order by consumed desc, sent_at
       limit 1`,
      [workflowId, INBOX_TOPIC, options.oneOf.map((signal) => `signal.${signal}`)],
    );
    const pending = rows[0];
    if (pending) {
      const sent = pending.kind.replace(/^signal\./, '');
      const at = new Date(Number(pending.sent_at)).toISOString();
      const who = `${sent} was sent at ${at} by ${pending.by ?? 'an unnamed sender'}`;
      const wait = options.wait ?? 'its wait';
      throw new SignalPending(
        workflowId,
        pending.consumed
          ? `workflow ${workflowId}: ${who} and ${wait} took it: the wait has its decision, so ${name} is refused (eai workflows show ${workflowId})`
          : `workflow ${workflowId}: ${who} and is not read yet; ${wait} takes one decision, so ${name} is refused (see eai workflows show ${workflowId} once it is read)`,
      );
    }
    await deliver(workflowId, name, data, options.signalId, options.by);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
