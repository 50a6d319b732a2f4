import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startInTempDir, type TempDirHarness } from '../common/test-support.ts';
import { type LogisticsStartOptions, logisticsSimulator } from './simulator.ts';
import type { DespatchRequest } from './state.ts';

export interface LogisticsHarness extends TempDirHarness {
  outboundDir: string;
  /** Waits until the request reached `status` and returns it. */
  waitFor(requestId: string, status: DespatchRequest['status']): Promise<DespatchRequest>;
  files(): string[];
}

export async function startLogistics(options: LogisticsStartOptions = {}): Promise<LogisticsHarness> {
  const harness = await startInTempDir('logistics-sim-', (dir) =>
    logisticsSimulator.start({
      port: 0,
      outboundDir: join(dir, 'out'),
      despatchDelayMs: 20,
      deliveryDelayMs: 40,
      webhookRetry: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 20 },
      ...options,
    }),
  );
  const outboundDir = join(harness.dir, 'out');
  const waitFor = async (requestId: string, status: DespatchRequest['status']) => {
    const order = ['accepted', 'despatched', 'delivered'];
    let last: DespatchRequest | undefined;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      last = (await harness.call<DespatchRequest>('GET', `/api/despatch-requests/${requestId}`)).body;
      if (order.indexOf(last.status) >= order.indexOf(status)) return last;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`request ${requestId} still ${last?.status}, expected ${status}`);
  };
  return {
    ...harness,
    outboundDir,
    waitFor,
    files: () =>
      existsSync(outboundDir)
        ? readdirSync(outboundDir)
            .filter((n) => !n.startsWith('.'))
            .sort()
        : [],
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
