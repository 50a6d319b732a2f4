import type { EdifactWriteOptions } from '../../formats/edifact/index.ts';
import type { X12WriteOptions } from '../../formats/x12/index.ts';
import { hashOf } from './identifiers.ts';

/** How real trading partners' files differ: delimiters, line endings, BOM, UNA or not, ISA padding. */
export const X12_PROFILES: Record<string, X12WriteOptions> = {
  'tilde-lf': { separators: { element: '*', component: '>', segment: '~' }, lineEnding: '\n' },
  'tilde-crlf-bom': {
    separators: { element: '*', component: ':', segment: '~' },
    lineEnding: '\r\n',
    byteOrderMark: true,
  },
  'pipe-newline': { separators: { element: '|', component: '^', segment: '\n' }, lineEnding: '' },
  'tilde-unbroken': { separators: { element: '*', component: '>', segment: '~' }, lineEnding: '' },
};

export const EDIFACT_PROFILES: Record<string, EdifactWriteOptions> = {
  'una-default': { una: true, lineEnding: '\n' },
  'no-una': { una: false, lineEnding: '' },
  'custom-separators': {
    separators: { element: '*', component: '^', decimal: ',', release: '?', segment: "'" },
    una: true,
    lineEnding: '\r\n',
  },
};

/** A partner always gets the same style unless the request names one, as a real partner's mapping would. */
export function profileFor(format: 'x12-856' | 'edifact-desadv', partner: string, asked?: string): string {
  const names = Object.keys(format === 'x12-856' ? X12_PROFILES : EDIFACT_PROFILES);
  if (asked !== undefined) return asked;
  return names[hashOf(partner) % names.length]!;
}

export function isProfile(format: 'x12-856' | 'edifact-desadv', name: string): boolean {
  return name in (format === 'x12-856' ? X12_PROFILES : EDIFACT_PROFILES);
}
