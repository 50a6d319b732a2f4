import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSimulator } from '../common/types.ts';
import { waitUntil } from '../sap/test-support.ts';
import { type LogisticsStartOptions, logisticsSimulator } from './simulator.ts';
import type { DespatchRequest } from './state.ts';

export { waitUntil };

export interface LogisticsHarness {
  sim: RunningSimulator;
  dir: string;
  outboundDir: string;
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    headers: Headers;
    body: T;
  }>;
  /** Waits until the request reached `status` and returns it. */
  waitFor(requestId: string, status: DespatchRequest['status']): Promise<DespatchRequest>;
  files(): string[];
  close(): Promise<void>;
}

export async function startLogistics(options: LogisticsStartOptions = {}): Promise<LogisticsHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'logistics-sim-'));
  const outboundDir = join(dir, 'out');
  const sim = await logisticsSimulator.start({
    port: 0,
    outboundDir,
    despatchDelayMs: 20,
    deliveryDelayMs: 40,
    webhookRetry: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 20 },
    ...options,
  });
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  };
  const waitFor = async (requestId: string, status: DespatchRequest['status']) => {
    const order = ['accepted', 'despatched', 'delivered'];
    let last: DespatchRequest | undefined;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      last = (await call<DespatchRequest>('GET', `/api/despatch-requests/${requestId}`)).body;
      if (order.indexOf(last.status) >= order.indexOf(status)) return last;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`request ${requestId} still ${last?.status}, expected ${status}`);
  };
  return {
    sim,
    dir,
    outboundDir,
    call,
    waitFor,
    files: () =>
      existsSync(outboundDir)
        ? readdirSync(outboundDir)
            .filter((n) => !n.startsWith('.'))
            .sort()
        : [],
    close: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let order = 0;

/** A despatch request body; every call gets its own order number. */
export function despatchBody(overrides: Record<string, unknown> = {}) {
  order++;
  return {
    orderNumber: `0012000${String(order).padStart(3, '0')}`,
    purchaseOrderNumber: `PO-2025-${String(order).padStart(6, '0')}`,
    shipTo: {
      id: '4012345000009',
      name: 'Müller Logistik GmbH*Lager|Süd',
      street: 'Hauptstraße 12',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    },
    lines: [
      { sku: 'MZ-FG-S100', gtin: '4012345000016', description: 'Standard E-Bike S100', quantity: 8 },
      { sku: 'MZ-TG-Y120', quantity: 3 },
      { sku: 'MZ-RM-C900', gtin: '4012345000054', quantity: 12 },
    ],
    format: 'x12-856',
    partner: 'ACMECORP',
    ...overrides,
  };
}
