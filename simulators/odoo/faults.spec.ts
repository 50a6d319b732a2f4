import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DB, type OdooFaultBody, type OdooHarness, PASSWORD, startOdoo, UID } from './test-support.ts';

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());
afterEach(async () => {
  await fetch(`${odoo.sim.url}/sim/reset`, { method: 'POST' });
});

const faults = (...list: unknown[]) =>
  fetch(`${odoo.sim.url}/sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(list),
  });
const created = async () =>
  (await (await fetch(`${odoo.sim.url}/sim/effects?entityType=res.partner&operation=create`)).json()) as {
    count: number;
    effects: Array<{ idempotencyKey?: string }>;
  };
const createPartner = (name: string, headers: Record<string, string> = {}) =>
  odoo.rpc('object', 'execute_kw', [DB, UID, PASSWORD, 'res.partner', 'create', [{ name }]], headers);

describe('faults through /jsonrpc', () => {
  it('answers 429 with Retry-After and an Odoo-shaped body; nothing applied', async () => {
    await faults({ kind: 'rate_limit', path: '/jsonrpc', retryAfterSeconds: 3, times: 1 });
    const limited = await createPartner('Limited');
    expect(limited.status).toBe(429);
    expect((limited.body as unknown as OdooFaultBody).error.code).toBe(200);
    expect((await created()).count).toBe(0);
    expect((await createPartner('Limited')).body.result).toEqual(expect.any(Number));
  });

  it('fails a burst with 503, then serves; only the success is applied', async () => {
    await faults({ kind: 'error', status: 503, times: 2, path: '/jsonrpc' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await createPartner('Burst')).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await created()).count).toBe(1);
  });

  it('slow answers still arrive', async () => {
    await faults({ kind: 'slow', delayMs: 250, times: 1 });
    const started = performance.now();
    expect((await odoo.rpc('common', 'version', [])).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('a create applied before a timeout is applied once when replayed with its Idempotency-Key', async () => {
    await faults({ kind: 'timeout', afterApply: true, times: 1 });
    const headers = { 'idempotency-key': 'partner-import-42' };
    await expect(
      fetch(`${odoo.sim.url}/jsonrpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          jsonrpc: '2.0',
          method: 'call',
          id: 1,
          params: {
            service: 'object',
            method: 'execute_kw',
            args: [DB, UID, PASSWORD, 'res.partner', 'create', [{ name: 'Once' }]],
          },
        }),
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow(/timeout|aborted/i);
    const replay = await createPartner('Once', headers);
    expect(replay.body.result).toEqual(expect.any(Number));
    const ledger = await created();
    expect(ledger.count).toBe(1);
    expect(ledger.effects[0]?.idempotencyKey).toBe('partner-import-42');
    expect(await odoo.call<number>('res.partner', 'search_count', [[['name', '=', 'Once']]])).toBe(1);
  });

  it('drops the connection before handling: nothing applied', async () => {
    await faults({ kind: 'drop', times: 1 });
    await expect(createPartner('Dropped')).rejects.toThrow(/fetch failed/);
    expect((await created()).count).toBe(0);
  });
});

describe('state file', () => {
  it('a restarted simulator remembers records and effects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'odoo-state-'));
    try {
      const first = await startOdoo({ statePath: join(dir, 'odoo.json') });
      const id = await first.call<number>('res.partner', 'create', [{ name: 'Persisted' }]);
      await first.sim.close();
      const second = await startOdoo({ statePath: join(dir, 'odoo.json') });
      expect(await second.call<number[]>('res.partner', 'search', [[['name', '=', 'Persisted']]])).toEqual([
        id,
      ]);
      await second.sim.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
