import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader as x12Reader } from '../../formats/x12-856/index.ts';
import type { Problem } from './errors.ts';
import type { AsnRecord, DespatchRequest } from './state.ts';
import { despatchBody, type LogisticsHarness, startLogistics } from './test-support.ts';

type Effects = {
  count: number;
  effects: { operation: string; entityType: string; idempotencyKey?: string }[];
};

describe('logistics simulator: lost and duplicated ASNs', () => {
  let logistics: LogisticsHarness;
  beforeAll(async () => {
    logistics = await startLogistics({ deliveryDelayMs: 60_000 });
  });
  afterAll(() => logistics.close());

  const despatch = async (body = despatchBody()) => {
    const accepted = await logistics.call<{ requestId: string }>('POST', '/api/despatch-requests', body);
    return logistics.waitFor(accepted.body.requestId, 'despatched');
  };

  it('loses the next ASN on demand: despatched, no file, then the next one is sent again', async () => {
    const queued = await logistics.call<{ pending: string[] }>('POST', '/sim/asn-faults', { kind: 'lose' });
    expect(queued.body.pending).toEqual(['lose']);
    const before = logistics.files().length;
    const lost = await despatch();
    expect(lost.asns).toEqual([expect.objectContaining({ fate: 'lost', file: null })]);
    expect(logistics.files()).toHaveLength(before);
    const next = await despatch();
    expect(next.asns[0]!.fate).toBe('sent');
    expect(existsSync(join(logistics.outboundDir, next.asns[0]!.file!))).toBe(true);
  });

  it('duplicates an ASN on demand: two files, new envelopes, the same shipment', async () => {
    await logistics.call('POST', '/sim/asn-faults', { kind: 'duplicate', count: 1 });
    const request = await despatch();
    const files = request.asns.map((a: AsnRecord) => a.file!);
    expect(request.asns.map((a) => a.fate)).toEqual(['sent', 'duplicate']);
    const trees = files.map((f) => x12Reader.parse(readFileSync(join(logistics.outboundDir, f)))[0]!.tree);
    expect(trees[0]!.bsn.shipmentId).toBe(trees[1]!.bsn.shipmentId);
    expect(trees[0]!.envelope.interchange.controlNumber).not.toBe(
      trees[1]!.envelope.interchange.controlNumber,
    );
    const effects = await logistics.call<Effects>('GET', '/sim/effects?entityType=ASN');
    expect(effects.body.effects.map((e) => e.operation)).toEqual(['lose', 'write', 'duplicate']);
    const bad = await logistics.call<{ error: string }>('POST', '/sim/asn-faults', { kind: 'explode' });
    expect(bad.status).toBe(400);
  });
});

describe('logistics simulator: API errors and faults', () => {
  let logistics: LogisticsHarness;
  beforeAll(async () => {
    logistics = await startLogistics({ despatchDelayMs: 60_000 });
  });
  afterAll(() => logistics.close());

  const expectProblem = (body: unknown, status: number, type: string) => {
    expect(body).toMatchObject({ status, type: `https://api.logistics.example/problems/${type}` });
    expect(typeof (body as Problem).title).toBe('string');
  };

  it('answers bad requests with problem details naming the fields', async () => {
    const invalid = await logistics.call<Problem>('POST', '/api/despatch-requests', {
      ...despatchBody(),
      lines: [{ sku: 'X', quantity: 0, gtin: '123' }],
      format: 'csv',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expectProblem(invalid.body, 400, 'validation');
    expect(invalid.body.invalidParams?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['lines.0.quantity', 'lines.0.gtin', 'format']),
    );
    const envelope = await logistics.call<Problem>(
      'POST',
      '/api/despatch-requests',
      despatchBody({ envelope: 'weird' }),
    );
    expectProblem(envelope.body, 400, 'validation');
    const malformed = await logistics.call<Problem>('POST', '/api/despatch-requests', '{"orderNumber":');
    expectProblem(malformed.body, 400, 'malformed-body');
    const missing = await logistics.call<Problem>('GET', '/api/despatch-requests/DR9999');
    expectProblem(missing.body, 404, 'not-found');
  });

  it('refuses a second request for the same order with 409', async () => {
    const body = despatchBody();
    expect((await logistics.call('POST', '/api/despatch-requests', body)).status).toBe(202);
    const again = await logistics.call<Problem>('POST', '/api/despatch-requests', body);
    expectProblem(again.body, 409, 'duplicate-order');
  });

  it('injects 429 and 503 on its API, and applies an idempotent retry once', async () => {
    await logistics.call('POST', '/sim/faults', [
      { kind: 'rate_limit', path: '/api/despatch-requests', method: 'POST', times: 1, retryAfterSeconds: 2 },
      { kind: 'error', status: 503, path: '/api/despatch-requests', method: 'POST', times: 1 },
    ]);
    const body = despatchBody();
    const headers = { 'Idempotency-Key': `despatch-${body.orderNumber}` };
    const limited = await logistics.call<Problem>('POST', '/api/despatch-requests', body, headers);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expectProblem(limited.body, 429, 'rate-limited');
    const down = await logistics.call<Problem>('POST', '/api/despatch-requests', body, headers);
    expectProblem(down.body, 503, 'unavailable');
    const first = await logistics.call<{ requestId: string }>(
      'POST',
      '/api/despatch-requests',
      body,
      headers,
    );
    const replay = await logistics.call<{ requestId: string }>(
      'POST',
      '/api/despatch-requests',
      body,
      headers,
    );
    expect(first.status).toBe(202);
    expect(replay.status).toBe(202);
    expect(replay.body.requestId).toBe(first.body.requestId);
    const effects = await logistics.call<Effects>(
      'GET',
      `/sim/effects?idempotencyKey=${headers['Idempotency-Key']}`,
    );
    expect(effects.body.count).toBe(1);
  });

  it('forgets requests on reset', async () => {
    await logistics.call('POST', '/sim/reset');
    const list = await logistics.call<{ count: number }>('GET', '/api/despatch-requests');
    expect(list.body.count).toBe(0);
  });
});

describe('logistics simulator: state file', () => {
  it('despatches after a restart what was accepted before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logistics-state-'));
    const statePath = join(dir, 'logistics.json');
    const outboundDir = join(dir, 'out');
    try {
      const first = await startLogistics({ statePath, outboundDir, despatchDelayMs: 150 });
      const accepted = await first.call<{ requestId: string }>(
        'POST',
        '/api/despatch-requests',
        despatchBody(),
      );
      await first.close();
      const second = await startLogistics({ statePath, outboundDir, despatchDelayMs: 150 });
      const request: DespatchRequest = await second.waitFor(accepted.body.requestId, 'despatched');
      expect(existsSync(join(outboundDir, request.asns[0]!.file!))).toBe(true);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
