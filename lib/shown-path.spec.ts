import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shownPath } from './shown-path.ts';

describe('shownPath', () => {
  it('names a file inside the working folder relative to it, any other by its absolute path', () => {
    expect(shownPath('mappings/edi/x12-850.to-canonical.yaml')).toBe(
      join('mappings', 'edi', 'x12-850.to-canonical.yaml'),
    );
    expect(shownPath(resolve('README.md'))).toBe('README.md');
    expect(shownPath('/tmp/partner.yaml')).toBe('/tmp/partner.yaml');
    expect(shownPath('../elsewhere/partner.yaml')).toBe(resolve('..', 'elsewhere', 'partner.yaml'));
    expect(shownPath('.')).toBe(resolve('.'));
  });
});
