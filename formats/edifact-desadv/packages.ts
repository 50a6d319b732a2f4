import { quotedValue } from '../../lib/errors.ts';
import { addToLine, type EdifactIdentity, type EdifactLine, readIdentity } from '../edifact/common-groups.ts';
import { type EdifactChecks, type Fields, pick } from '../edifact/fields.ts';
import type { EdifactSegment } from '../edifact/segment.ts';
import { hasValidGs1CheckDigit } from '../x12/values.ts';

export type EdifactPackaging = Fields<'count' | 'levelCode' | 'type' | 'typeCodeList'> & {
  identities?: EdifactIdentity[];
};

export type EdifactMeasurement = Fields<'purpose' | 'dimension' | 'unit' | 'value'>;

/**
 * A CPS group: one hierarchy level (consignment, pallet, carton…) with its PAC packaging, GIN identities (SSCCs
 * from GIN+BJ collected in `sscc`), MEA measurements, its LIN lines and its child levels.
 */
export interface EdifactPackage extends Fields<'id' | 'parentId' | 'packagingLevel'> {
  packaging: EdifactPackaging[];
  sscc: string[];
  identities: EdifactIdentity[];
  measurements: EdifactMeasurement[];
  lines: DesadvLine[];
  children: EdifactPackage[];
  otherSegments: EdifactSegment[];
}

export interface DesadvLine extends EdifactLine {
  /** CPS01 of the package the line sits in, absent for lines outside any CPS. */
  packageId?: string;
}

export function readPackage(cps: EdifactSegment): EdifactPackage {
  return {
    ...pick(cps, { id: 1, parentId: 2, packagingLevel: 3 }),
    packaging: [],
    sscc: [],
    identities: [],
    measurements: [],
    lines: [],
    children: [],
    otherSegments: [],
  };
}

/** GIN+BJ carries SSCC-18s (sometimes with the `00` application identifier): the check digit is verified. */
function ssccs(identity: EdifactIdentity, segment: EdifactSegment, check: EdifactChecks): string[] {
  if (identity.qualifier !== 'BJ') return [];
  return identity.ids.map((id, index) => {
    const sscc = id.length === 20 && id.startsWith('00') ? id.slice(2) : id;
    if (sscc.length !== 18 || !hasValidGs1CheckDigit(sscc)) {
      check.fail(
        check.at(segment, index + 2, 1),
        `GIN+BJ ${quotedValue(id)} is not a valid SSCC-18 (18 digits with a GS1 check digit)`,
      );
    }
    return sscc;
  });
}

/** MEA: 6311 purpose, C502 6313 dimension, C174 6411 unit and 6314 value (checked numeric). */
export function readMeasurement(segment: EdifactSegment, check: EdifactChecks): EdifactMeasurement {
  check.decimal(segment, 3, 2);
  return pick(segment, { purpose: 1, dimension: [2, 1], unit: [3, 1], value: [3, 2] });
}

/** Files a segment under the open CPS level (PAC/GIN/MEA/PCI before its first LIN). */
export function addToPackage(pkg: EdifactPackage, segment: EdifactSegment, check: EdifactChecks): void {
  switch (segment.tag) {
    case 'PAC':
      check.integer(segment, 1, 1);
      pkg.packaging.push(pick(segment, { count: 1, levelCode: [2, 1], type: [3, 1], typeCodeList: [3, 2] }));
      return;
    case 'GIN': {
      const identity = readIdentity(segment);
      pkg.identities.push(identity);
      pkg.sscc.push(...ssccs(identity, segment, check));
      const packaging = pkg.packaging[pkg.packaging.length - 1];
      if (packaging) {
        packaging.identities ??= [];
        packaging.identities.push(identity);
      }
      return;
    }
    case 'MEA':
      pkg.measurements.push(readMeasurement(segment, check));
      return;
    default:
      pkg.otherSegments.push(segment);
  }
}

export function addToDesadvLine(
  line: DesadvLine,
  segment: EdifactSegment,
  previous: EdifactSegment | undefined,
  check: EdifactChecks,
): void {
  addToLine(line, segment, previous, check);
  if (segment.tag === 'GIN') {
    const identity = line.identities[line.identities.length - 1]!;
    ssccs(identity, segment, check);
  }
}
