import type { ContrlLevelError } from './contrl.ts';

/**
 * A UNE or UNZ trailer as read: its count (UNE01 / UNZ01) as sent, what the group / interchange held (messages, or
 * groups for a UNZ over UNGs), and its reference (UNE02 / UNZ02) beside the header's (UNG05 / UNB05).
 */
export interface TrailerFacts {
  segment: 'UNE' | 'UNZ';
  declared: string;
  counted: number;
  reference: string;
  headerReference: string;
  /** A UNZ over UNG groups: its count is of groups. */
  grouped?: boolean;
}

/** A trailer that does not match what it closes: its CONTRL error (0085, 0013, S011) and the sentence that says so. */
export interface TrailerMismatch {
  error: ContrlLevelError;
  text: string;
}

/**
 * What is wrong with a UNE / UNZ, the one judgement the reader (`eai map`, a warning on the interchange) and the file
 * connector's CONTRL (the error at the UCF / UCI) both take: 29 at the count (S011 2) when it is not the number held
 * (or no number), 28 at the reference (S011 3) when it does not repeat the header's. Neither refuses a message: each
 * message passed its own UNT count and reference, which say what belongs to it; the trailer only closes the envelope
 * (ISO 9735: UNZ 0036 / UNE 0060 count, 0020 / 0048 equal to the header's), as a wrong GE01 / IEA01 refuses no X12
 * set. The partner hears it (CONTRL 7 with the error, or `edi.warning` on every record) and fixes its translator.
 */
export function trailerMismatches(facts: TrailerFacts): TrailerMismatch[] {
  const { segment, declared, counted, reference, headerReference } = facts;
  const header = segment === 'UNZ' ? 'UNB05' : 'UNG05';
  const held = facts.grouped ? 'groups (UNG)' : 'messages';
  const sent = `${segment}+${declared}+${reference}`;
  const mismatches: TrailerMismatch[] = [];
  if (!/^\d+$/.test(declared) || Number(declared) !== counted) {
    const says = /^\d+$/.test(declared)
      ? `${segment === 'UNZ' ? 'interchange' : 'group'} says ${Number(declared)} ${held}`
      : `${segment}01 ${JSON.stringify(declared)} is no number`;
    mismatches.push({
      error: { code: '29', segment, element: { position: 2 } },
      text: `${sent}: ${says}, holds ${counted}`,
    });
  }
  if (reference !== headerReference) {
    mismatches.push({
      error: { code: '28', segment, element: { position: 3 } },
      text: `${sent}: ${segment}02 ${JSON.stringify(reference)} differs from ${header} ${JSON.stringify(headerReference)}`,
    });
  }
  return mismatches;
}
