import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../ops/api/index.ts';
import { type Hub, startHub } from '../ops/hub.ts';
import { type OrderInput, workflowIdOf } from '../orchestrator/workflows/order-to-delivery/index.ts';
import { dropDatabase } from '../store/database.ts';
import { runEai } from '../tests/run-eai.ts';
import { testStack, unique } from '../tests/stack.ts';
import { resultWhenEnded } from '../tests/workflow-result.ts';

/** `eai workflows …` against a hub with the orchestrator role. */
const stack = testStack();
const database = unique('eai_orch_cli').replaceAll('-', '_');
const token = newToken();
let hub: Hub;
const orderId = unique('sap:cli');
const id = workflowIdOf(orderId);
/** Started after the first: the newest instance. */
const newerOrderId = unique('sap:cli-newer');
const newerId = workflowIdOf(newerOrderId);

beforeAll(async () => {
  hub = await startHub({
    ...stack,
    group: unique('connect'),
    logger: pino({ level: 'silent' }),
    tokens: [{ name: 'oncall', role: 'operator', sha256: hashToken(token) }],
    port: 0,
    orchestrator: { executorId: 'cli-spec', database, router: false },
  });
  // No SAP configured: the credit check fails for good and the instance ends COMPENSATED at once.
  const input = (order: string): OrderInput => ({
    orderId: order,
    customerNumber: '0000700001',
    amount: 10,
    currency: 'EUR',
    order: { orderId: order },
    trace: { correlationId: 'corr-cli' },
  });
  await hub.orchestrator!.start('order-to-delivery', id, input(orderId));
  await resultWhenEnded(hub.orchestrator!, id, 30_000);
  await hub.orchestrator!.start('order-to-delivery', newerId, input(newerOrderId));
  await resultWhenEnded(hub.orchestrator!, newerId, 30_000);
});

afterAll(async () => {
  await hub?.close();
  await dropDatabase(stack.databaseUrl, database);
});

const eai = (...args: string[]) => runEai(['workflows', ...args, '--url', hub.url, '--token', token]);

describe('eai workflows', () => {
  it('ls, show and definitions, as text and --json', async () => {
    const ls = await eai('ls', '--type', 'order-to-delivery', '--json');
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout)).toContainEqual(
      expect.objectContaining({ id, status: 'COMPENSATED', correlationId: 'corr-cli', version: 7 }),
    );
    const show = await eai('show', id);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('COMPENSATED at credit-check');
    expect(show.stdout).toMatch(/credit-check.*✗ credit check: no sapUrl configured/);
    const definitions = await eai('definitions');
    expect(definitions.stdout).toContain('order-to-delivery@2');
    expect(definitions.stdout).toContain('flowchart TD');
  });

  it('ls --limit n: the newest n, as text and --json; a limit that is not a positive integer is refused', async () => {
    const all = await eai('ls', '--json');
    expect(all.code, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as Array<{ id: string }>).map((i) => i.id)).toEqual([newerId, id]);
    const one = await eai('ls', '--limit', '1', '--json');
    expect(one.code, one.stderr).toBe(0);
    expect((JSON.parse(one.stdout) as Array<{ id: string }>).map((i) => i.id)).toEqual([newerId]);
    const text = await eai('ls', '--limit', '1');
    expect(text.stdout.trim().split('\n')).toHaveLength(1);
    expect(text.stdout).toContain(newerId);
    const zero = await eai('ls', '--limit', '0');
    expect(zero.code).toBe(1);
    expect(zero.stderr).toBe('eai: --limit must be a positive integer\n');
  });

  it('ls --since / --until: the instances started in that time, as an ISO time or an age; a time that is none is refused', async () => {
    const all = JSON.parse((await eai('ls', '--json')).stdout) as Array<{ id: string; startedAt: string }>;
    const newer = all.find((i) => i.id === newerId)!;
    // The older one ended before the newer one started: the newer one's start splits them.
    const since = await eai('ls', '--since', newer.startedAt, '--json');
    expect(since.code, since.stderr).toBe(0);
    expect((JSON.parse(since.stdout) as Array<{ id: string }>).map((i) => i.id)).toEqual([newerId]);
    const until = await eai('ls', '--until', newer.startedAt, '--json');
    expect((JSON.parse(until.stdout) as Array<{ id: string }>).map((i) => i.id)).toEqual([id]);
    const age = await eai('ls', '--since', '1h', '--json');
    expect((JSON.parse(age.stdout) as Array<{ id: string }>).map((i) => i.id)).toEqual([newerId, id]);
    const none = await eai('ls', '--until', '1d');
    expect([none.code, none.stdout.trim()]).toEqual([0, 'no workflows']);
    const bad = await eai('ls', '--since', 'yesterday');
    expect([bad.code, bad.stderr]).toEqual([
      1,
      'eai: --since yesterday: not a time; give an ISO 8601 date or time (2026-12-06, 2026-12-06T09:30:00Z) or an age before now (30m, 24h, 7d)\n',
    ]);
    // The hub refuses a time that is none too, rather than ignoring it and listing everything.
    const rest = await fetch(`${hub.url}/workflows?since=yesterday`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(rest.status).toBe(400);
    expect(await rest.text()).toMatch(/since/);
  });

  it('an action the instance cannot take fails with one line naming the reason', async () => {
    const cancel = await eai('cancel', id);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/409 .*has finished \(COMPENSATED\)/);
    const signal = await eai('signal', id, 'approve-credit', '{approvedBy: ops}');
    expect([signal.code, signal.stderr]).toEqual([
      1,
      `eai: the signal's payload is not JSON (Expected property name or '}' in JSON at position 1 (line 1 column 2)): quote it, e.g. '{"approvedBy": "ops"}'\n`,
    ]);
  });

  it('retry --parked asks the hub for every parked instance (none here); an id and --parked together are refused', async () => {
    const dry = await eai('retry', '--parked', '--step', 'credit-check', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({ matched: 0, retried: [], failed: [], dryRun: true });
    const text = await eai('retry', '--parked');
    expect(text.stdout.trim()).toBe('0 parked instance(s) matched; retrying 0');
    const both = await eai('retry', id, '--parked');
    expect(both.code).toBe(1);
    expect(both.stderr).toBe('eai: give an instance id or --parked, not both\n');
    const neither = await eai('retry');
    expect(neither.stderr).toBe('eai: name the instance to retry, or --parked for every parked one\n');
  });
});
