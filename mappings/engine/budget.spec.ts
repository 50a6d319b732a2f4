import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { makeDocumentWithLines } from '../../formats/x12-850/fixtures/large.ts';
import { inboundMapping } from '../index.ts';
import { MappingError } from './errors.ts';
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
      /x12-850\.to-canonical\.yaml: \(document\): refused: mapping it took longer than the per-document deadline of 0\.001 s/,
    );
  });

  it('refuses it past the memory budget, saying so', async () => {
    const error = await mapDocument(mapping, document!, { memoryBudgetBytes: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).message).toMatch(/more than the per-document memory budget of 0 MiB/);
  });
});
