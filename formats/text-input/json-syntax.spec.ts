import { describe, expect, it } from 'vitest';
import { jsonSyntaxErrorOffset } from './json-syntax.ts';
import { refusal } from './test-support.ts';

/** V8's own position of a fault, where its message names one. */
function v8Position(text: string): number | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const found = /position (\d+)/.exec((error as Error).message);
    return found ? Number(found[1]) : -1;
  }
}

describe('malformed JSON is refused at the line and column of the fault, also where V8 names no position', () => {
  it('an X12 interchange sent to a JSON format: line 1, column 1 (was the last line of the file)', () => {
    const x12 =
      'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250101*1200*U*00401*000000001*0*P*>~\nGS*PO*S*R*20250101*1200*1*X*004010~\nST*850*0001~\n';
    const error = refusal(x12);
    expect(error.location).toBe('line 1, column 1');
    expect(error.message).toMatch(/malformed JSON: Unexpected token 'I'/);
  });

  it('a truncated literal on line 4: at the character that breaks it', () => {
    expect(
      refusal('{\n  "type": "EPCISDocument",\n  "schemaVersion": "2.0",\n  "x": tru\n}\n').location,
    ).toBe('line 4, column 11');
    expect(refusal('[1,\n ]').location).toBe('line 2, column 2');
  });

  it('agrees with V8 wherever V8 names the position', () => {
    const samples = [
      '{"a":1,}',
      '{"a": [1, 2 3]}',
      '{"a": "b"} x',
      '{"a": 01}',
      '{"a": "x\u0001"}',
      '{"a" 1}',
      '{"a": -}',
      '{"a": 1.}',
      '{"a": "\\x"}',
      '{"a": "\\u12G4"}',
      '[1, 2]]',
      '{"a": {"b": [true, false, null, {}]}, "c": [[]], "d": 1e5, "e": "ok"} ,',
    ];
    for (const text of samples) {
      const v8 = v8Position(text);
      expect(v8, text).toBeGreaterThanOrEqual(0);
      expect(jsonSyntaxErrorOffset(text), text).toBe(v8);
    }
    for (const valid of [
      '{"a": {"b": [true, false, null, {}]}, "c": [[]], "d": -1.5e-3, "e": "\\u00e9\\n"}',
      ' [ ] ',
      '"x"',
      '0',
    ]) {
      expect(jsonSyntaxErrorOffset(valid), valid).toBeUndefined();
    }
    expect(jsonSyntaxErrorOffset('{"a": [1, 2')).toBe(11);
  });
});
