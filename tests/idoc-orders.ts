import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The first IDoc of the ORDERS05 fixture, read on first use (nothing at import time). */
let template: string | undefined;
function firstIdoc(): string {
  if (template === undefined) {
    const fixture = readFileSync('formats/sap-idoc-orders05/fixtures/several-idocs.xml', 'utf8');
    template = fixture.slice(fixture.indexOf('<IDOC'), fixture.indexOf('</IDOC>') + '</IDOC>'.length);
  }
  return template;
}

/** One IDoc order file whose DOCNUM (the CloudEvents id of its record) and BELNR no other run uses. */
export function idocFile(docnum: string): string {
  const idoc = firstIdoc().replace(/<DOCNUM>\d+<\/DOCNUM>/, `<DOCNUM>${docnum}</DOCNUM>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ORDERS05>\n${idoc.replaceAll('PO-4711', `PO-${docnum}`)}\n</ORDERS05>\n`;
}

/** `count` DOCNUMs (16 digits) no other run uses: a millisecond stamp and a counter. */
export function uniqueDocnums(count: number): string[] {
  const stamp = Date.now().toString().slice(-10);
  return Array.from({ length: count }, (_, i) => `${stamp}${String(i).padStart(6, '0')}`);
}

/** Writes one file per DOCNUM (`order-<n>.xml`) into `dir`, a few hundred at a time. */
export async function writeIdocFiles(dir: string, docnums: readonly string[]): Promise<void> {
  for (let i = 0; i < docnums.length; i += 250) {
    await Promise.all(
      docnums
        .slice(i, i + 250)
        .map((d, j) => writeFile(join(dir, `order-${String(i + j).padStart(5, '0')}.xml`), idocFile(d))),
    );
  }
}
