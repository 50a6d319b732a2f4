import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { makeDocumentWithLines as sObjectWithFields } from '../../formats/salesforce-sobject/fixtures/large.ts';
import { makeDocumentWithLines } from '../../formats/x12-850/fixtures/large.ts';
import { makeDocumentWithLines as asnWithItems } from '../../formats/x12-856/fixtures/large.ts';
import { threadCpuTimer } from '../../tests/thread-cpu.ts';
import { inboundMapping } from '../index.ts';
import { startBudget, withinBudget } from './budget.ts';
import { MappingError } from './errors.ts';
import { fastExpression } from './fast-path.ts';
import { mapDocument } from './run.ts';

// One document must never stall or exhaust the process that hosts the connectors: past its deadline or its
// memory budget it is refused with a MappingError (not retriable, so the dead-letter topic gets it).
describe('per-document deadline and memory budget', () => {
  const [document] = findReader('x12-850').parse(makeDocumentWithLines(2000));
  const mapping = inboundMapping('x12-850');

  it('maps the document within the default budget', async () => {
    const records = await mapDocument(mapping, document!);
    expect(records.length).toBe(1);
    expect(
      (records[0]!.value as { salesOrder: { lines: unknown[] } }).salesOrder.lines.length,
    ).toBeGreaterThan(1000);
  }, 60_000);

  it('refuses it past the deadline, saying so', async () => {
    const error = await mapDocument(mapping, document!, { deadlineMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).retriable).toBe(false);
    expect((error as MappingError).message).toMatch(
      /x12-850\.to-canonical\.yaml: .*refused: mapping it took longer than the per-document deadline of 0\.001 s/,
    );
  });

  it('refuses it past the memory budget, saying so', async () => {
    const error = await mapDocument(mapping, document!, { memoryBudgetBytes: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).message).toMatch(/more than the per-document memory budget of 0 MiB/);
  });

  // One JSONata evaluation had a 10 s timeout of its own, whatever the document had left, and a function a let
  // defines none (JSONata times it from the evaluation that made it): a 10 s deadline let an 8 MiB 856 run 24 s, an
  // sObject of many fields 34 s. Each of these takes seconds to map in full.
  it.each([
    ['x12-856', 'one expression over every item', () => asnWithItems(10_000)],
    ['salesforce-sobject', "a let's function over every field", () => sObjectWithFields(40_000)],
  ])(
    '%s: %s stops at the document deadline',
    async (format, _, make) => {
      const [parsed] = findReader(format).parse(make());
      // This thread's CPU time (as budget-formats.spec.ts): a busy machine stretches wall time, not the work done.
      const cpuMs = threadCpuTimer();
      const error = await mapDocument(inboundMapping(format), parsed!, { deadlineMs: 200 }).catch(
        (e: unknown) => e,
      );
      const ms = cpuMs();
      expect(error).toBeInstanceOf(MappingError);
      expect((error as MappingError).message).toMatch(
        /refused: mapping it took longer than the per-document deadline of 0\.2 s/,
      );
      expect(ms).toBeLessThan(1_200);
    },
    60_000,
  );
});

// run.ts maps a document on the fast path synchronously, under withinBudget instead of an AsyncLocalStorage
// context: a compiled loop still sees that document's deadline.
describe('the deadline of a document mapped synchronously', () => {
  const loop = fastExpression(jsonata("a.{'v': b}").ast() as never)!;
  const input = { a: Array.from({ length: 5000 }, (_, i) => ({ b: i })) };

  it('stops a compiled loop past it, with JSONata timeout error', () => {
    const budget = { ...startBudget({ deadlineMs: 1 }), deadline: performance.now() - 1 };
    expect(() => withinBudget(budget, () => loop(input, {}))).toThrow(
      expect.objectContaining({ code: 'D1012', value: 1 }),
    );
  });

  it('holds only while the mapping runs', () => {
    const budget = { ...startBudget({ deadlineMs: 1 }), deadline: performance.now() - 1 };
    expect(() => withinBudget(budget, () => loop(input, {}))).toThrow();
    expect(loop(input, {})).toHaveLength(5000);
    const ahead = startBudget({ deadlineMs: 60_000 });
    expect(withinBudget(ahead, () => loop(input, {}))).toHaveLength(5000);
  });
});
