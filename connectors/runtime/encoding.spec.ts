import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mapCommand } from '../../mappings/engine/cli.ts';
import { builtinPlugins } from '../index.ts';
import { loadDeployment } from './definition.ts';

/**
 * X12 declares no character set, and European partners send it in ISO-8859-1 or windows-1252 (`Käserei` as the
 * single byte 0xE4): a connector's `encoding` (and `eai map --encoding`) names it, as for an IDoc flat file. EDIFACT
 * declares its own, so naming one for it is refused at deployment, never silently applied or ignored.
 */
const dir = mkdtempSync(join(tmpdir(), 'eai-encoding-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plugins = new Map(builtinPlugins.map((p) => [p.type, p]));

const LATIN1_850 = Buffer.from(
  [
    'ISA*00*          *00*          *ZZ*PARTNERX       *ZZ*OURHUB         *241105*1412*U*00401*000000905*0*P*>~',
    'GS*PO*PARTNERX*OURHUB*20241105*1412*905*X*004010~',
    'ST*850*0001~',
    'BEG*00*NE*PO-L1**20241104~',
    'N1*BY*Müller Käserei GmbH*92*MK1~',
    'PO1*1*2*EA*5*PE*VP*SKU-1~',
    'PID*F****Käse 200g~',
    'CTT*1~',
    'SE*7*0001~',
    'GE*1*905~',
    'IEA*1*000000905~',
  ].join('\n'),
  'latin1',
);

function deployment(name: string, fields: string): string {
  const folder = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(
    join(folder, `${name}.yaml`),
    `name: ${name}\ntype: file-source\n${fields}config:\n  dir: in\n`,
  );
  return folder;
}

describe('a connector reading documents in another character set than UTF-8', () => {
  it('takes an encoding for a format that declares none', () => {
    const [definition] = loadDeployment(
      deployment('x12', 'format: x12-850\nencoding: iso-8859-1\n'),
      plugins,
    );
    expect(definition).toMatchObject({ format: 'x12-850', encoding: 'iso-8859-1' });
  });

  it("takes one for SAP IDocs: a flat file's code page (IDoc-XML keeps the set its declaration names)", () => {
    const [definition] = loadDeployment(
      deployment('idoc', 'format: sap-idoc-orders05\nencoding: iso-8859-1\n'),
      plugins,
    );
    expect(definition).toMatchObject({ format: 'sap-idoc-orders05', encoding: 'iso-8859-1' });
  });

  it.each([
    [
      'edifact-orders',
      'windows-1252',
      /encoding: edifact-orders documents declare their character set in its UNB/,
    ],
    ['x12-850', 'klingon', /encoding: character set "klingon" is not known/],
  ])('refuses encoding for %s (%s), naming the file and the field', (format, encoding, message) => {
    const folder = deployment('refused', `format: ${format}\nencoding: ${encoding}\n`);
    expect(() => loadDeployment(folder, plugins)).toThrow(message);
    expect(() => loadDeployment(folder, plugins)).toThrow(/refused\.yaml: encoding:/);
  });

  it('eai map --encoding reads a Latin-1 X12 850; without it the document is refused at its first byte over ASCII', async () => {
    const input = join(dir, 'latin1-850.edi');
    writeFileSync(input, LATIN1_850);
    const refused = await mapCommand({ format: 'x12-850', input });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/invalid UTF-8 \(byte 0xfc/);
    const read = await mapCommand({ format: 'x12-850', input, encoding: 'iso-8859-1' });
    expect(read.code).toBe(0);
    const [record] = JSON.parse(read.stdout);
    expect(record.value.salesOrder.customer.name).toBe('Müller Käserei GmbH');
    expect(record.value.salesOrder.lines[0].item.description).toBe('Käse 200g');
  });

  it('reads a file that is UTF-8 after all as UTF-8 under a single-byte encoding, not as Ã¼ (seen in a trial)', async () => {
    const input = join(dir, 'utf8-850.edi');
    writeFileSync(input, Buffer.from(LATIN1_850.toString('latin1'), 'utf8'));
    for (const encoding of ['windows-1252', 'iso-8859-1']) {
      const read = await mapCommand({ format: 'x12-850', input, encoding });
      expect(read.code, read.stderr).toBe(0);
      expect(JSON.parse(read.stdout)[0].value.salesOrder.customer.name).toBe('Müller Käserei GmbH');
    }
    // Bytes that are not UTF-8 are still the named charset's (0xFC is ü in both).
    const latin = await mapCommand({
      format: 'x12-850',
      input: join(dir, 'latin1-850.edi'),
      encoding: 'windows-1252',
    });
    expect(JSON.parse(latin.stdout)[0].value.salesOrder.customer.name).toBe('Müller Käserei GmbH');
  });
});
