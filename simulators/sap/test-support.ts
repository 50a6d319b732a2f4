import { join } from 'node:path';
import { startInTempDir, type TempDirHarness } from '../common/test-support.ts';
import { type SapStartOptions, sapSimulator } from './simulator.ts';

export { waitUntil } from '../common/test-support.ts';

export interface SapHarness extends TempDirHarness {
  dropDir: string;
  inboundDir: string;
}

/** A SAP simulator on a free port with its folders in a fresh temporary directory; no polling unless asked. */
export async function startSap(options: SapStartOptions = {}): Promise<SapHarness> {
  const harness = await startInTempDir('sap-sim-', (dir) =>
    sapSimulator.start({
      port: 0,
      dropDir: join(dir, 'out'),
      inboundDir: join(dir, 'in'),
      pollMs: 0,
      ...options,
    }),
  );
  return { ...harness, dropDir: join(harness.dir, 'out'), inboundDir: join(harness.dir, 'in') };
}
