/** An element is a string, or the list of its components when it holds the component separator. */
export type X12Element = string | string[];

/** One X12 segment as read, the node type mapping authors see in `segments` and under every loop. */
export interface X12Segment {
  /** Where the segment sits, e.g. `ISA#1/GS#1/ST#2/HL#3/SN1 (segment 14, line 15)`. */
  $loc: string;
  tag: string;
  /** elements[0] is <tag>01. Empty elements stay '' so positions never shift. */
  elements: X12Element[];
  /** 1-based position of the segment in the file. */
  segment: number;
  /** 1-based line where the segment starts. */
  line: number;
}

export interface X12Separators {
  element: string;
  component: string;
  segment: string;
  /** ISA11 when it is a separator (version 00402 and later), else absent. */
  repetition?: string;
}

/** `BEG05`-style access: the string value of element n (1-based); a composite yields its first component. */
export function element(segment: X12Segment, n: number): string {
  const value = segment.elements[n - 1];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : (value[0] ?? '');
}

/** Components of element n: a plain element is one component. */
export function components(segment: X12Segment, n: number): string[] {
  const value = segment.elements[n - 1];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** Places a segment under a loop path: `ISA#1/GS#1/ST#1/HL#3` + `/SN1 (segment 14, line 15)`. */
export function locate(segment: X12Segment, path: string): X12Segment {
  // join() yields one flat string; a template literal would keep a rope of ~6 nodes per segment alive.
  segment.$loc = [path, '/', segment.tag, ' (segment ', segment.segment, ', line ', segment.line, ')'].join(
    '',
  );
  return segment;
}

/** Where a segment is, even before its loop is known (a check that fails before `locate`): never empty. */
export function segmentLocation(segment: X12Segment): string {
  return segment.$loc || `${segment.tag} (segment ${segment.segment}, line ${segment.line})`;
}

/** Element position for error messages, e.g. `PO1#3/PO102`. */
export function elementName(segment: X12Segment, n: number): string {
  return `${segment.tag}${String(n).padStart(2, '0')}`;
}
