import { describe, expect, it } from 'vitest';
import { parseYamlText } from './yaml-text.ts';

describe('parseYamlText', () => {
  it('reads every map key as written: codes with leading zeros, numbers, booleans and null stay the text', () => {
    const value = parseYamlText(
      [
        '00: CREATED',
        '05: UPDATED',
        '001903202: dun',
        '1e3: exp',
        '0x1F: hex',
        'true: yes',
        '~: tilde',
        'EA: EA',
      ].join('\n'),
    );
    expect(value).toEqual({
      '00': 'CREATED',
      '05': 'UPDATED',
      '001903202': 'dun',
      '1e3': 'exp',
      '0x1F': 'hex',
      true: 'yes',
      '~': 'tilde',
      EA: 'EA',
    });
  });

  it('in nested and flow maps too, and leaves values their YAML types', () => {
    expect(
      parseYamlText(
        'mappingsBySender:\n  0012345: a.yaml\nflow: { 01: { n: 5, ok: true, none: null, q: "007" } }\n',
      ),
    ).toEqual({
      mappingsBySender: { '0012345': 'a.yaml' },
      flow: { '01': { n: 5, ok: true, none: null, q: '007' } },
    });
  });

  it('keeps quoted keys, empty documents and the first error as before', () => {
    expect(parseYamlText('"05": a\n\'1e3\': b\n')).toEqual({ '05': 'a', '1e3': 'b' });
    expect(parseYamlText('')).toBeNull();
    expect(() => parseYamlText('a: [\n')).toThrow(/line \d+, column \d+/);
    expect(() => parseYamlText('a: 1\n---\nb: 2\n')).toThrow(/multiple documents/i);
  });

  it("refuses a key met twice with the yaml library's error, in a large map too", () => {
    const table = (n: number) => Array.from({ length: n }, (_, i) => `K${i}: v${i}`).join('\n');
    // The library compares keys by their YAML values: `05` and `5` are one key to it, as are `1` and `1.0`.
    for (const [text, line] of [
      ['a: 1\nb: 2\na: 3\n', 3],
      ['x:\n  05: a\n  5: b\n', 3],
      ['1: a\n1.0: b\n', 2],
      [`${table(3000)}\nK17: again\n`, 3001],
    ] as const)
      expect(() => parseYamlText(text), text.slice(0, 40)).toThrow(
        new RegExp(`Map keys must be unique at line ${line}\\b`),
      );
    // Keys equal only as JSON would compare them are not the library's duplicates: read as before.
    expect(parseYamlText("'5': a\n5: b\n")).toEqual({ '5': 'b' });
    expect(parseYamlText('? [b]\n: 1\n')).toEqual({ '[ b ]': 1 });
  });
});
