import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { callHub, type HubTarget, hubOptions } from '../hub-client.ts';
import { positiveInteger, timeOption } from '../options.ts';
import { printResult } from '../output.ts';

type Options = HubTarget & { json?: boolean };

interface Instance {
  id: string;
  type: string;
  version: number | null;
  status: string;
  step: string | null;
  startedAt: string;
  updatedAt: string | null;
  /** When it finished (DBOS's completed_at, else its row's updated_at); null in flight, and from a hub before it was served. */
  endedAt?: string | null;
  correlationId: string | null;
}

interface Detail extends Instance {
  executorId: string | null;
  detail: string | null;
  output?: unknown;
  /** False for a viewer's token: the hub served no outputs (null in their place); absent from a hub before it said. */
  outputsShown?: boolean;
  error: string | null;
  autoRetry?: {
    attempts: number;
    state: string;
    nextAt: string | null;
    gaveUpAt: string | null;
  } | null;
  timeline: Array<{
    n: number;
    name: string;
    at: string | null;
    ms: number | null;
    output?: unknown;
    error: string | null;
  }>;
}

const FINISHED = ['COMPLETED', 'COMPENSATED', 'CANCELLED', 'FAILED'];

/**
 * One instance of `eai workflows ls`: when it started, and once finished when it ended (`endedAt`, DBOS's record of
 * its end). DBOS's `updatedAt` is not shown: it moves with DBOS's own bookkeeping (a recovery, a resume), not with the
 * instance's steps; a PARKED instance's was once shown as if it were its start, and a finished one's as its end.
 */
export const instanceLine = (i: Instance) =>
  `${i.id.padEnd(48)} ${`${i.type}@${i.version ?? '?'}`.padEnd(22)} ${i.status.padEnd(12)} ${(i.step ?? '-').padEnd(24)} started ${i.startedAt}${FINISHED.includes(i.status) && i.endedAt ? `  ended ${i.endedAt}` : ''}`;

/**
 * What a checkpointed operation brought, for the text view: the event a receive took from the inbox (its kind, the
 * shipment and its tracking numbers, a receipt's outcome), or that none came before the deadline; the deadline a
 * receive set. Empty for the rest (steps show their name, time and error; `--json` has every output).
 */
function outputNote(name: string, output: unknown): string {
  if (name === 'DBOS.recv') {
    if (output === null || output === undefined) return '← nothing before the deadline';
    const { kind, data } = output as { kind?: string; data?: Record<string, unknown> | null };
    const shipment = typeof data?.shipmentId === 'string' ? ` ${data.shipmentId}` : '';
    const status = typeof data?.status === 'string' ? ` ${data.status}` : '';
    const tracking = Array.isArray(data?.trackingNumbers)
      ? data.trackingNumbers.length
        ? `, tracking ${data.trackingNumbers.join(' ')}`
        : ', no tracking number'
      : '';
    // An order's amendment (order-to-delivery v7): the order it brought, by its number and total.
    const amended = data?.order as {
      orderNumber?: unknown;
      totalAmount?: { amount?: unknown; currency?: unknown };
    };
    const order =
      kind === 'order.amended' && amended
        ? ` order ${String(amended.orderNumber ?? '?')}${amended.totalAmount ? `, total ${String(amended.totalAmount.amount)} ${String(amended.totalAmount.currency ?? '')}`.trimEnd() : ''} (${(output as { eventId?: string }).eventId ?? '?'})`
        : '';
    const outcome = typeof data?.outcome === 'string' ? ` ${data.outcome}` : '';
    const reason = typeof data?.reason === 'string' && data.reason ? `: ${data.reason}` : '';
    const by =
      typeof (output as { by?: unknown }).by === 'string' ? ` (${(output as { by: string }).by})` : '';
    // An operator action on a parked instance (saga.ts OperatorAction): `retry` from an operator or the hub's own
    // automatic retry, `cancel` (it read `← message (auto)`).
    const action = (output as { action?: unknown }).action;
    if (kind === undefined && typeof action === 'string') {
      const who = (output as { by?: unknown }).by;
      const from = who === 'auto' ? ' (automatic retry)' : typeof who === 'string' ? ` (${who})` : '';
      const why = (output as { reason?: unknown }).reason;
      return `← ${action}${from}${typeof why === 'string' && why ? `: ${why}` : ''}`;
    }
    return `← ${kind ?? 'message'}${order}${shipment}${status}${tracking}${outcome}${reason}${by}`;
  }
  // A credit check's answer (alone, as credit-check-2 after an amendment, or first part of its group): why the order
  // is on credit hold, which an operator needs before approve-credit or reject-credit (it was in --json only).
  if (/(^|\+)credit-check(-\d+)?(\+|#|$)/.test(name)) {
    const results = (output as { results?: unknown[] } | null)?.results;
    const check = (Array.isArray(results) ? results[0] : output) as {
      result?: unknown;
      reason?: unknown;
      exposure?: unknown;
      creditLimit?: unknown;
    } | null;
    if (check && typeof check.result === 'string') {
      const figures =
        check.exposure !== undefined && check.creditLimit !== undefined
          ? ` (exposure ${String(check.exposure)}, limit ${String(check.creditLimit)})`
          : '';
      return `credit ${check.result}${typeof check.reason === 'string' ? `: ${check.reason}` : ''}${figures}`;
    }
  }
  // A step whose output is its note for operators (order-to-delivery v7's amendment-too-late).
  if (name.startsWith('amendment-too-late') && typeof output === 'string') return output;
  if ((name === 'DBOS.sleep' || name === 'wait-deadline') && typeof output === 'number')
    return `deadline ${new Date(output).toISOString()}`;
  return '';
}

/**
 * A finished instance's outcome beyond its status: what was compensated, the shipment it ended with, the order's
 * amendments (applied before the despatch request, or too late for it).
 */
function outcomeLines(output: unknown, detail: string | null): string[] {
  const o = output as
    | { compensated?: unknown; shipmentId?: unknown; amendments?: Array<{ note?: unknown }> }
    | null
    | undefined;
  return [
    ...(Array.isArray(o?.amendments)
      ? o.amendments
          .filter((a) => typeof a?.note === 'string' && !detail?.includes(a.note))
          .map((a) => `  ${a.note}`)
      : []),
    ...(Array.isArray(o?.compensated) && o.compensated.length
      ? [`  compensated: ${o.compensated.join(', ')}`]
      : []),
    ...(typeof o?.shipmentId === 'string' ? [`  shipment: ${o.shipmentId}`] : []),
  ];
}

/** A parked instance's automatic retries, in one line (none when none ran and it is not parked). */
function autoRetryLine(a: Detail['autoRetry']): string[] {
  if (!a) return [];
  const ran = `${a.attempts} automatic retr${a.attempts === 1 ? 'y' : 'ies'} ran`;
  switch (a.state) {
    case 'scheduled':
      return [`  ${ran}; the next at ${a.nextAt}`];
    case 'sent':
      return [`  ${ran}; a retry is on its way`];
    case 'exhausted':
      return [
        `  ${ran} and ran out${a.gaveUpAt ? ` at ${a.gaveUpAt}` : ''}: retry it by hand (eai workflows retry) or cancel it`,
      ];
    case 'off':
      return ['  automatic retries are off: retry it by hand (eai workflows retry) or cancel it'];
    default:
      return [`  ${ran}`];
  }
}

/** `eai workflows show`'s text: the instance, its outcome, and each checkpointed operation with what it brought. */
export function timeline(d: Detail): string {
  const head = [
    `${d.id}  ${d.type}@${d.version ?? '?'}  ${d.status}${d.step ? ` at ${d.step}` : ''}`,
    `  started ${d.startedAt}  correlation ${d.correlationId ?? '-'}  executor ${d.executorId ?? '-'}`,
    ...(d.detail ? [`  ${d.detail}`] : []),
    ...(d.error ? [`  error: ${d.error}`] : []),
    ...autoRetryLine(d.autoRetry),
    ...(d.outputsShown === false
      ? ["  outputs left out: they hold the document's data, which an operator's token reads"]
      : outcomeLines(d.output, d.detail)),
  ];
  const steps = d.timeline.map((t) => {
    // A viewer's null is no output left out, not a receive that got nothing before its deadline.
    const note = d.outputsShown === false ? '' : outputNote(t.name, t.output);
    return `  ${String(t.n).padStart(3)}  ${(t.at ?? '').padEnd(24)} ${t.name.padEnd(36)} ${t.ms === null ? '' : `${t.ms} ms`}${note ? `  ${note}` : ''}${t.error ? `  ✗ ${t.error}` : ''}`.trimEnd();
  });
  return [...head, ...steps].join('\n');
}

/** `eai workflows …`: the workflow routes of a running hub (orchestrator role), from the command line. */
export function registerWorkflowsCommand(program: Command): void {
  const workflows = program
    .command('workflows')
    .description('list, inspect and steer durable workflows of a running hub');
  const sub = (name: string, description: string) =>
    hubOptions(workflows.command(name).description(description)).option('--json', 'print JSON');
  const path = (id: string, rest = '') => `/workflows/${encodeURIComponent(id)}${rest}`;

  sub('ls', 'instances, newest first')
    .option(
      '--status <status>',
      'RUNNING, WAITING, COMPENSATING, PARKED, COMPLETED, COMPENSATED, CANCELLED, FAILED',
    )
    .option('--type <type>', 'e.g. order-to-delivery')
    .option('--since <time>', 'started at or after (ISO 8601, or an age: 30m, 24h, 7d)')
    .option('--until <time>', 'started before (ISO 8601, or an age: 30m, 24h, 7d)')
    .option('--limit <n>', 'at most n instances, the newest (the hub answers up to 1000)', '100')
    .action(
      async (
        options: Options & { status?: string; type?: string; since?: string; until?: string; limit: string },
      ) => {
        const query = new URLSearchParams();
        if (options.status) query.set('status', options.status.toUpperCase());
        if (options.type) query.set('type', options.type);
        const since = timeOption(options.since, '--since');
        const until = timeOption(options.until, '--until');
        if (since) query.set('since', since);
        if (until) query.set('until', until);
        query.set('limit', String(positiveInteger(options.limit, '--limit')));
        const { body } = await callHub(options, 'GET', `/workflows?${query}`);
        const list = body as Instance[];
        printResult(!!options.json, list, () =>
          list.length ? list.map(instanceLine).join('\n') : 'no workflows',
        );
      },
    );

  sub('show', 'one instance: its timeline of steps, events in and commands out, and errors')
    .argument('<id>')
    .action(async (id: string, options: Options) => {
      const { body } = await callHub(options, 'GET', path(id));
      printResult(!!options.json, body, () => timeline(body as Detail));
    });

  sub(
    'retry',
    'retry a parked instance (the step whose system was unavailable, or its failed compensation), or resume one that FAILED after its recovery attempts; --parked: every parked one that matches',
  )
    .argument('[id]')
    .option('--parked', 'every parked instance (with --type, --step), as after an outage')
    .option('--type <type>', 'with --parked: only this workflow type')
    .option('--step <step>', 'with --parked: only instances parked at this step, e.g. credit-check')
    .option('--limit <n>', 'with --parked: at most n, the newest', '1000')
    .option('--dry-run', 'with --parked: list what would be retried')
    .action(
      async (
        id: string | undefined,
        options: Options & {
          parked?: boolean;
          type?: string;
          step?: string;
          limit: string;
          dryRun?: boolean;
        },
      ) => {
        if (!options.parked) {
          if (!id) throw new ConfigError('name the instance to retry, or --parked for every parked one');
          // These narrow or rehearse a --parked retry only: with an id they were ignored, and --dry-run retried it.
          const parkedOnly = (
            [
              ['--dry-run', options.dryRun],
              ['--type', options.type],
              ['--step', options.step],
            ] as const
          ).filter(([, given]) => given !== undefined && given !== false);
          if (parkedOnly.length > 0)
            throw new ConfigError(
              `${parkedOnly.map(([flag]) => flag).join(', ')} go${parkedOnly.length === 1 ? 'es' : ''} with --parked: retry ${id} without ${parkedOnly.length === 1 ? 'it' : 'them'}, or use --parked instead of an id`,
            );
          const { body } = await callHub(options, 'POST', path(id, '/retry'));
          printResult(!!options.json, body, () =>
            (body as { action?: string }).action === 'resume'
              ? `${id}: resumed from its last checkpoint`
              : `${id}: retrying`,
          );
          return;
        }
        if (id) throw new ConfigError('give an instance id or --parked, not both');
        const { body } = await callHub(options, 'POST', '/workflows/retry', {
          type: options.type,
          step: options.step,
          limit: positiveInteger(options.limit, '--limit'),
          dryRun: !!options.dryRun,
        });
        const result = body as {
          matched: number;
          retried: string[];
          failed: Array<{ id: string; error: string }>;
        };
        printResult(!!options.json, body, () =>
          [
            `${result.matched} parked instance(s) matched; ${options.dryRun ? 'would retry' : 'retrying'} ${result.retried.length}${result.failed.length ? `, ${result.failed.length} failed` : ''}`,
            ...result.retried.map((retried) => `  ${retried}`),
            ...result.failed.map((f) => `  ${f.id}: ${f.error}`),
          ].join('\n'),
        );
      },
    );

  sub('cancel', 'cancel an instance at its current or next wait; what it did is compensated')
    .argument('<id>')
    .option('--reason <text>', 'why (kept in the instance)')
    .action(async (id: string, options: Options & { reason?: string }) => {
      const { body } = await callHub(options, 'POST', path(id, '/cancel'), {
        reason: options.reason ?? 'cancelled',
      });
      printResult(!!options.json, body, () => `${id}: cancelling`);
    });

  sub('signal', 'send a signal, e.g. approve-credit, with a JSON payload')
    .argument('<id>')
    .argument('<name>')
    .argument('[json]', 'the payload (default {})')
    .action(async (id: string, name: string, json: string | undefined, options: Options) => {
      let payload: unknown;
      try {
        payload = JSON.parse(json ?? '{}');
      } catch (error) {
        throw new ConfigError(
          `the signal's payload is not JSON (${(error as Error).message}): quote it, e.g. '{"approvedBy": "ops"}'`,
        );
      }
      const { body } = await callHub(
        options,
        'POST',
        path(id, `/signals/${encodeURIComponent(name)}`),
        payload,
      );
      printResult(!!options.json, body, () => `${id}: signal ${name} sent`);
    });

  sub('definitions', 'workflow definitions with their versions and Mermaid graphs').action(
    async (options: Options) => {
      const { body } = await callHub(options, 'GET', '/workflow-definitions');
      const list = body as Array<{
        name: string;
        description: string;
        steps: string[];
        signals?: string[];
        graph: string;
      }>;
      printResult(!!options.json, list, () =>
        list
          .map(
            (d) =>
              `${d.name}: ${d.description}\n  steps: ${d.steps.join(' → ')}${d.signals?.length ? `\n  signals: ${d.signals.join(', ')}` : ''}\n\n${d.graph}\n`,
          )
          .join('\n'),
      );
    },
  );
}
