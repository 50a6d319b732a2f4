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
});
