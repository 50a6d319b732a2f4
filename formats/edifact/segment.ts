/** A simple element is a string; a composite is the list of its components. Release characters are already removed. */
export type EdifactElement = string | string[];

export interface EdifactSegment {
  /** Where the segment sits, e.g. `UNB#1/UNH#2/CPS#3/LIN#1/QTY (segment 14, line 15)`. */
  $loc: string;
  tag: string;
  /** elements[0] is <tag>01 (a composite when it has components). */
  elements: EdifactElement[];
  /** 1-based position in the file (UNA not counted). */
  segment: number;
  line: number;
}

export interface EdifactSeparators {
  component: string;
  element: string;
  decimal: string;
  /** '' when the UNA says no release character is used. */
  release: string;
  segment: string;
  /** UNA5: the repetition separator of syntax version 4 (a space, read as '', in versions 1–3 and without UNA). */
  repetition?: string;
}

export const DEFAULT_SEPARATORS: EdifactSeparators = {
  component: ':',
  element: '+',
  decimal: '.',
  release: '?',
  segment: "'",
};

/** Component c (1-based) of element n (1-based); a simple element is its own first component. */
export function value(segment: EdifactSegment, n: number, c = 1): string {
  const element = segment.elements[n - 1];
  if (element === undefined) return '';
  if (typeof element === 'string') return c === 1 ? element : '';
  return element[c - 1] ?? '';
}

export function components(segment: EdifactSegment, n: number): string[] {
  const element = segment.elements[n - 1];
  if (element === undefined) return [];
  return typeof element === 'string' ? [element] : element;
}

export function locate(segment: EdifactSegment, path: string): EdifactSegment {
  // join() yields one flat string; a template literal would keep a rope of ~6 nodes per segment alive.
  segment.$loc = [path, '/', segment.tag, ' (segment ', segment.segment, ', line ', segment.line, ')'].join(
    '',
  );
  return segment;
}

/** Where a segment is, even before its loop is known (a check that fails before `locate`): never empty. */
export function segmentLocation(segment: EdifactSegment): string {
  return segment.$loc || `${segment.tag} (segment ${segment.segment}, line ${segment.line})`;
}

/** `QTY01.2`-style name of a data element or component for error messages. */
export function positionName(segment: EdifactSegment, n: number, c?: number): string {
  return `${segment.tag}${String(n).padStart(2, '0')}${c === undefined ? '' : `.${c}`}`;
}
