/**
 * A GE or IEA trailer as read: its count (GE01 / IEA01) as sent, what the group / interchange held (sets, groups),
 * and its control number (GE02 / IEA02) beside the header's (GS06 / ISA13).
 */
export interface X12TrailerFacts {
  segment: 'GE' | 'IEA';
  declared: string;
  counted: number;
  reference: string;
  headerReference: string;
}

/** A trailer that does not match what it closes: its acknowledgment code and the sentence that says so. */
export interface X12TrailerMismatch {
  /** GE: AK905 (5 count, 4 control number); IEA: TA105 (021 count, 001 control number). */
  code: string;
  /** The count declared, when it is a number that is not the count held (AK902 says it). */
  declaredCount?: number;
  text: string;
}

const CODES = { GE: { count: '5', reference: '4' }, IEA: { count: '021', reference: '001' } } as const;

/**
 * What is wrong with a GE / IEA, the one judgement the reader (`eai map`: a warning on the interchange) and the file
 * connector's acknowledgments (997 AK905, TA1 TA105) both take. Neither refuses a set: each set passed its own SE01 /
 * SE02, which say what belongs to it; the trailer only closes the envelope, and X12 acknowledges such an envelope
 * with errors noted (AK901 E; TA104 E, TA105 001 "the value from the header is used in the acknowledgment"). As the
 * EDIFACT reader judges UNE / UNZ (formats/edifact/trailers.ts).
 */
export function x12TrailerMismatches(facts: X12TrailerFacts): X12TrailerMismatch[] {
  const { segment, declared, counted, reference, headerReference } = facts;
  const what = segment === 'GE' ? 'transaction sets (ST)' : 'functional groups (GS)';
  const mismatches: X12TrailerMismatch[] = [];
  const number = /^\d+$/.test(declared.trim()) ? Number(declared) : undefined;
  if (number !== counted) {
    mismatches.push({
      code: CODES[segment].count,
      ...(number === undefined ? {} : { declaredCount: number }),
      text:
        number === undefined
          ? `${segment}01 ${JSON.stringify(declared)} is no number, holds ${counted} ${what}`
          : `${segment}01 says ${number} ${what}, holds ${counted}`,
    });
  }
  if (reference.trim() !== headerReference.trim()) {
    mismatches.push({
      code: CODES[segment].reference,
      text: `${segment}02 ${JSON.stringify(reference)} differs from ${segment === 'GE' ? 'GS06' : 'ISA13'} ${JSON.stringify(headerReference)}`,
    });
  }
  return mismatches;
}
