import { NonRetriableError } from '../../lib/errors.ts';

/**
 * A document that its mapping cannot turn into a valid record. Names the mapping file, the output field path
 * and the input location, so the fix is obvious: `mappings/sap/idoc-orders05.to-canonical.yaml:
 * salesOrder.lines[2].quantity.value: "12,5" is not a number (input /ORDERS05/IDOC[1]/E1EDP01[3])`.
 */
export class MappingError extends NonRetriableError {
  readonly mappingFile: string;
  readonly path: string;
  readonly location: string | undefined;
  readonly problem: string;
  constructor(
    mappingFile: string,
    path: string,
    problem: string,
    location?: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${mappingFile}: ${path || '(record)'}: ${problem}${location ? ` (input ${location})` : ''}`,
      options,
    );
    this.mappingFile = mappingFile;
    this.path = path;
    this.problem = problem;
    this.location = location;
  }
}

/** `salesOrder.lines[2].quantity` from path segments. */
export function formatPath(segments: Array<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}
