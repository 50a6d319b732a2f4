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

/** One IDoc order whose DOCNUM (the CloudEvents id of its record) and BELNR are `docnum`. */
function idoc(docnum: string): string {
  return firstIdoc()
    .replace(/<DOCNUM>\d+<\/DOCNUM>/, `<DOCNUM>${docnum}</DOCNUM>`)
    .replaceAll('PO-4711', `PO-${docnum}`);
}

/** An ORDERS05 file holding one IDoc order per DOCNUM, each DOCNUM (and BELNR) one no other run uses. */
export function idocFile(...docnums: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ORDERS05>\n${docnums.map(idoc).join('\n')}\n</ORDERS05>\n`;
}

/** `count` DOCNUMs (16 digits) no other run uses: a millisecond stamp and a counter. */
export function uniqueDocnums(count: number): string[] {
  const stamp = Date.now().toString().slice(-10);
  return Array.from({ length: count }, (_, i) => `${stamp}${String(i).padStart(6, '0')}`);
}

/** Writes the DOCNUMs into `dir` as files `order-<n>.xml` of `perFile` IDocs each; returns the number of files. */
export async function writeIdocFiles(dir: string, docnums: readonly string[], perFile = 1): Promise<number> {
  const files: string[][] = [];
  for (let i = 0; i < docnums.length; i += perFile) files.push(docnums.slice(i, i + perFile));
  for (let i = 0; i < files.length; i += 250) {
    await Promise.all(
      files
        .slice(i, i + 250)
        .map((d, j) => writeFile(join(dir, `order-${String(i + j).padStart(5, '0')}.xml`), idocFile(...d))),
    );
  }
  return files.length;
}
