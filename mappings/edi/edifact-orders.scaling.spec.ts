import { describe, expect, it } from 'vitest';
import { makeDocumentWithLines } from '../../formats/edifact-orders/fixtures/large.ts';
import { inboundMapping, MappingError, mapBytes } from '../index.ts';

async function secondsToMap(lines: number): Promise<number> {
  const input = makeDocumentWithLines(lines);
  const started = performance.now();
  const [mapped] = await mapBytes('edifact-orders', input);
  const seconds = (performance.now() - started) / 1000;
  const orderLines = (mapped!.records[0]!.value.salesOrder as { lines: Array<{ priceBasis: string | null }> })
    .lines;
  expect(orderLines).toHaveLength(lines);
  // The price basis comes from each line's own PRI (every second line has basis 10).
  expect(orderLines.slice(0, 2).map((l) => l.priceBasis)).toEqual([null, '10']);
  return seconds;
}

describe('edifact-orders mapping cost per line', () => {
  it('grows linearly: 12.5x the lines take well under 50x the time (quadratic: 156x)', async () => {
    inboundMapping('edifact-orders');
    await secondsToMap(20);
    // The fastest of three each: one run is at the mercy of a GC pause or a busy machine (25.02 seen at load 13).
    const fastest = async (lines: number) => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) best = Math.min(best, await secondsToMap(lines));
      return best;
    };
    const small = await fastest(80);
    const large = await fastest(1_000);
    // priceBasis scanned every segment of the message once per line: 800 lines took 20 s. Linear is 12.5x, quadratic
    // 156x; the bound sits between with room for a loaded machine (25 failed once at load 17 with linear code).
    expect(large / small).toBeLessThan(50);
    expect(large).toBeLessThan(20);
  });

  it('answers an order of 10,000 lines (which once did not finish in 90 s) within its deadline: mapped, or refused saying so', async () => {
    const input = makeDocumentWithLines(10_000);
    const started = performance.now();
    const outcome = await mapBytes('edifact-orders', input).then(
      (mapped) => (mapped[0]!.records[0]!.value.salesOrder as { lines: unknown[] }).lines.length,
      (error: unknown) => error,
    );
    const seconds = (performance.now() - started) / 1000;
    if (typeof outcome === 'number') expect(outcome).toBe(10_000);
    else {
      expect(outcome).toBeInstanceOf(MappingError);
      expect((outcome as MappingError).message).toMatch(/refused: .*per-document deadline of 10 s/);
    }
    // The 10 s deadline, plus reading the document and the check's granularity.
    expect(seconds).toBeLessThan(25);
  }, 60_000);
});
