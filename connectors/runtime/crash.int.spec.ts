import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uniqueDocnums, writeIdocFiles } from '../../tests/idoc-orders.ts';
import { readToEnd, tally } from '../../tests/read-to-end.ts';
import { testStack, unique } from '../../tests/stack.ts';
import { startWorker, type WorkerProcess } from '../../tests/worker-process.ts';

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function doneCount(dir: string): number {
  const done = join(dir, 'done');
  return existsSync(done) ? readdirSync(done).length : 0;
}

describe('connector runtime crashes (worker processes SIGKILLed on the real broker)', () => {
  const workers: WorkerProcess[] = [];
  const spawnWorker = async (spec: Omit<Parameters<typeof startWorker>[0], 'brokers' | 'registryUrl'>) => {
    const { brokers, registryUrl } = testStack();
    const worker = await startWorker({ brokers, registryUrl, ...spec });
    workers.push(worker);
    return worker;
  };
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });

  async function dropFolderKilledAt(fraction: number, total: number) {
    const dir = mkdtempSync(join(tmpdir(), 'eai-crash-'));
    const docnums = uniqueDocnums(total);
    let t = Date.now();
    await writeIdocFiles(dir, docnums);
    const writeMs = Date.now() - t;
    const group = unique('crash-connect');
    const connector = {
      name: unique('crash-idocs'),
      type: 'file-source',
      format: 'sap-idoc-orders05',
      mapping: 'sap/idoc-orders05.to-canonical.yaml',
      config: { dir, stableMs: 20, batchSize: 100, idleWaitMs: 50 },
    };
    t = Date.now();
    const first = await spawnWorker({ group, workerId: 'crash-a', connectors: [connector] });
    await waitFor(`${fraction * 100}% of the files done`, () => doneCount(dir) >= total * fraction, 80_000);
    await first.kill();
    const killedAt = doneCount(dir);
    const firstMs = Date.now() - t;
    t = Date.now();
    await spawnWorker({ group, workerId: 'crash-b', connectors: [connector] });
    await waitFor('every file in done/', () => doneCount(dir) === total, 80_000);
    const restartMs = Date.now() - t;
    const wanted = new Set(docnums);
    const records = await readToEnd('canonical.sales-order', (m) => wanted.has(m.headers.ce_id!));
    const result = tally(
      docnums,
      records.map((r) => r.headers.ce_id!),
    );
    console.info(
      JSON.stringify({
        test: 'drop folder',
        total,
        writeMs,
        killedAtFilesDone: killedAt,
        firstRunMs: firstMs,
        afterRestartMs: restartMs,
        records: records.length,
        lost: result.lost.length,
        duplicated: result.duplicated.length,
      }),
    );
    return result;
  }

  it('kill -9 a third of the way through a drop folder of 10,000 IDoc orders: after a restart each is on Kafka once', async () => {
    const result = await dropFolderKilledAt(0.4, 10_000);
    expect(result.lost).toEqual([]);
    expect(result.duplicated).toEqual([]);
  }, 240_000);
});
