import { describe, expect, it } from 'vitest';
import { canonicalSchemas, loadSchema } from './catalog.ts';
import { compatibilityProblems, readerIncompatibilities } from './compatibility.ts';
import { checkSchema } from './release.ts';

const base = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN', 'SHIPPED'] } },
  ],
};
const withField = (field: { name: string; [key: string]: unknown }) => ({
  ...base,
  fields: [...base.fields, field] as Array<{ name: string }>,
});

describe('compatibility with reasons that name the field', () => {
  it('BACKWARD: a new field without default breaks, with a default it does not', () => {
    const problems = compatibilityProblems(
      withField({ name: 'currency', type: 'string' }),
      [base],
      'BACKWARD',
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: 'currency', direction: 'backward', version: 1 }),
    ]);
    expect(
      compatibilityProblems(
        withField({ name: 'currency', type: 'string', default: 'EUR' }),
        [base],
        'BACKWARD',
      ),
    ).toEqual([]);
  });

  it('FORWARD: removing a field without default breaks old readers', () => {
    const removed = { ...base, fields: base.fields.filter((f) => f.name !== 'qty') };
    expect(compatibilityProblems(removed, [base], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems(removed, [base], 'FORWARD')).toEqual([
      expect.objectContaining({ path: 'qty', direction: 'forward' }),
    ]);
  });

  it('FULL checks both directions; NONE checks nothing', () => {
    const changed = { ...base, fields: [{ name: 'id', type: 'long' }, ...base.fields.slice(1)] };
    const full = compatibilityProblems(changed, [base], 'FULL');
    expect(full.map((p) => p.direction).sort()).toEqual(['backward', 'forward']);
    expect(full[0]!.path).toBe('id');
    expect(compatibilityProblems(changed, [base], 'NONE')).toEqual([]);
  });

  it('type promotions follow the Avro spec: int is read as long, not the reverse', () => {
    const asLong = { ...base, fields: [base.fields[0]!, { name: 'qty', type: 'long' }, base.fields[2]!] };
    expect(compatibilityProblems(asLong, [base], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems(asLong, [base], 'FORWARD')[0]).toMatchObject({ path: 'qty' });
  });

  it('an enum losing a symbol breaks readers unless it has a default', () => {
    const fewer = {
      ...base,
      fields: [
        ...base.fields.slice(0, 2),
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN'] } },
      ],
    };
    expect(readerIncompatibilities(fewer, base)[0]!.message).toMatch(/lacks symbol\(s\) SHIPPED/);
    const withDefault = {
      ...base,
      fields: [
        ...base.fields.slice(0, 2),
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN'], default: 'OPEN' } },
      ],
    };
    expect(readerIncompatibilities(withDefault, base)).toEqual([]);
  });

  it('TRANSITIVE levels judge every earlier version, plain levels only the latest', () => {
    const v2 = withField({ name: 'note', type: 'string', default: '' });
    const v3 = {
      ...v2,
      fields: v2.fields.map((f) => (f.name === 'note' ? { name: 'note', type: 'string' } : f)),
    };
    expect(compatibilityProblems(v3, [base, v2], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems(v3, [base, v2], 'BACKWARD_TRANSITIVE')).toEqual([
      expect.objectContaining({ path: 'note', version: 1 }),
    ]);
    expect(compatibilityProblems(v3, [base, v2], 'FULL_TRANSITIVE').length).toBeGreaterThan(0);
    expect(compatibilityProblems(v3, [base, v2], 'FORWARD_TRANSITIVE')).toEqual([]);
  });

  it('paths reach into nested records and arrays of the canonical schemas', () => {
    const order = canonicalSchemas.find((s) => s.name === 'SalesOrderEvent')!;
    const current = loadSchema(order.file) as { fields: Array<Record<string, unknown>> };
    const broken = structuredClone(current) as typeof current;
    const salesOrder = broken.fields.find((f) => f.name === 'salesOrder')!.type as {
      fields: Array<Record<string, unknown>>;
    };
    const lines = salesOrder.fields.find((f) => f.name === 'lines')!.type as {
      items: { fields: Array<Record<string, unknown>> };
    };
    lines.items.fields.push({ name: 'hazardClass', type: 'string' });
    const result = checkSchema(order, broken);
    expect(result.problems.map((p) => p.path)).toEqual(['salesOrder.lines[].hazardClass']);
  });

  it('the working canonical schemas are compatible with their released versions', () => {
    for (const schema of canonicalSchemas) expect(checkSchema(schema).problems).toEqual([]);
  });
});
