import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { withoutDocumentValues, withoutValueMarks } from '../../lib/errors.ts';
import { compileMapping } from './compile.ts';
import { mapDocument } from './run.ts';
import { loadMappingFile } from './spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'eai-quoted-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A shop order mapping whose order number is `expression`, over an order whose buyer is Jane Roe. */
async function refusal(expression: string, lets: string[] = []): Promise<string> {
  const file = join(dir, 'order.to-canonical.yaml');
  writeFileSync(
    file,
    [
      'description: a shop order',
      'input: json',
      'output: eai.canonical.SalesOrderEvent',
      'onlyByName: true',
      ...(lets.length ? ['let:', ...lets.map((line) => `  ${line}`)] : []),
      'fixtures: {inputs: fixtures, expected: order.expected}',
      'fields:',
      `  changeType: "'CREATED'"`,
      "  occurredAt: $timestamp('2024-03-05')",
      `  origin: {system: "'shop'"}`,
      '  salesOrder:',
      '    orderId: id',
      `    orderNumber: ${JSON.stringify(expression)}`,
      `    currency: "'EUR'"`,
      `    customer: {name: "'x'"}`,
      '    lines: "[]"',
      `    status: "'OPEN'"`,
      '',
    ].join('\n'),
  );
  const mapping = compileMapping(loadMappingFile(file));
  const [document] = findReader('json').parse(
    Buffer.from('{"id": "A-1", "buyer": "Jane Roe", "zip": 10115}'),
  );
  try {
    await mapDocument(mapping, document!);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${expression} mapped`);
}

describe("JSONata's refusals quote the document's values as values", () => {
  it('a value JSONata could not cast or compare is "…" to a viewer and the logs; an operator reads it', async () => {
    const cast = await refusal('$string($number(buyer))');
    expect(withoutValueMarks(cast)).toContain('Unable to cast value to a number: "Jane Roe"');
    expect(withoutDocumentValues(cast)).toContain('Unable to cast value to a number: "…"');
    const compared = await refusal("$string(buyer < zip ? 'a' : 'b')");
    expect(withoutValueMarks(compared)).toMatch(
      /The values "Jane Roe" and 10115 either side of operator "<"/,
    );
    expect(withoutDocumentValues(compared)).toMatch(/The values "…" and "…" either side of operator "<"/);
    for (const message of [cast, compared]) {
      expect(withoutDocumentValues(message)).not.toMatch(/Jane|10115/);
      // Where it failed stays: the mapping's field and the expression.
      expect(withoutDocumentValues(message)).toMatch(/order\.to-canonical\.yaml: salesOrder\.orderNumber: /);
    }
  });

  it('a mapping\'s own $error: the values it joins in are "…" to a viewer, its author\'s words stay', async () => {
    const joined = await refusal("$error('no email for ' & buyer & ' (zip ' & $string(zip) & ')')");
    expect(withoutValueMarks(joined)).toMatch(
      /salesOrder\.orderNumber: no email for Jane Roe \(zip 10115\)$/,
    );
    expect(withoutDocumentValues(joined)).toMatch(/salesOrder\.orderNumber: no email for "…" \(zip "…"\)$/);
    // A value its author put between quotes is one value to a viewer, quotes and all.
    const quoted = await refusal(`$error('buyer "' & buyer & '" has no email')`);
    expect(withoutValueMarks(quoted)).toMatch(/: buyer "Jane Roe" has no email$/);
    expect(withoutDocumentValues(quoted)).toMatch(/: buyer "…" has no email$/);
    // Only literals: nothing to hide.
    const literal = await refusal("$error('the order has no email')");
    expect(literal).toMatch(/salesOrder\.orderNumber: the order has no email$/);
    expect(withoutDocumentValues(literal)).toBe(literal);
  });

  it("$error in a let's function, and a message no call's literals account for ($error of a variable), is marked whole", async () => {
    const inLet = await refusal('$noEmail(buyer)', [
      'noEmail: "function($who) { $error(\'no email for \' & $who) }"',
    ]);
    expect(withoutValueMarks(inLet)).toMatch(/no email for Jane Roe$/);
    expect(withoutDocumentValues(inLet)).toMatch(/: no email for "…"$/);
    const whole = await refusal("($why := buyer & ' has no email'; $error($why))");
    expect(withoutValueMarks(whole)).toMatch(/: Jane Roe has no email$/);
    expect(withoutDocumentValues(whole)).toMatch(/salesOrder\.orderNumber: "…"$/);
    const asserted = await refusal("$assert(false, 'no email for ' & buyer)");
    expect(withoutDocumentValues(asserted)).toContain('no email for "…"');
    expect(withoutDocumentValues(asserted)).not.toContain('Jane');
  });
});
