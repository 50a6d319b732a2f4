import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMappingFile } from './engine/spec.ts';
import { mapBytes, mappingFiles, mappingsDir } from './index.ts';

/**
 * One phone number, written as people write it in each system, reads as the same canonical number everywhere:
 * master data matches customers across systems on it and writes it back to them. `+49 (0)30 …` is how German
 * numbers are commonly written internationally: the `(0)` is the national trunk prefix, not dialled from abroad.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const WRITTEN = '+49 (0)30 1234567';
const E164 = '+49301234567';

async function phones(format: string, document: unknown): Promise<Json[]> {
  const bytes = Buffer.from(typeof document === 'string' ? document : JSON.stringify(document));
  const [mapped] = await mapBytes(format, bytes);
  return (mapped!.records[0]!.value as Json).customer.phones;
}

/** A customer document of each system holding one phone number, as that system writes it. */
function documents(written: string): Array<[string, unknown]> {
  return [
    [
      'hubspot-contact',
      [
        {
          eventId: 1,
          subscriptionId: 1,
          portalId: 1,
          appId: 1,
          occurredAt: 1710236400000,
          subscriptionType: 'contact.propertyChange',
          attemptNumber: 0,
          objectId: 5101,
          changeSource: 'CRM_UI',
          propertyName: 'phone',
          propertyValue: written,
        },
      ],
    ],
    [
      'odoo-res-partner',
      [{ id: 7, name: 'Anna Schmidt', is_company: false, phone: written, write_date: '2024-04-01 07:45:00' }],
    ],
    [
      'salesforce-sobject',
      { attributes: { type: 'Contact' }, Id: '003RM000001aaaaYAA', LastName: 'Schmidt', Phone: written },
    ],
  ] as Array<[string, unknown]>;
}

describe('a phone written with the trunk prefix in brackets', () => {
  it.each(documents(WRITTEN))('reads as E.164 without the (0) in %s', async (format, document) => {
    const [phone] = await phones(format, document);
    expect(phone).toMatchObject({ number: E164, isE164: true });
  });
});

describe('one phone reading for every system', () => {
  it.each(['0049 30 123 45 67', '+49-30-1234567', '+49 30/1234567', '(+49) 30 1234567'])(
    '%s reads as the same E.164 number in every system',
    async (written) => {
      for (const [format, document] of documents(written))
        expect(await phones(format, document), format).toMatchObject([{ number: E164, isE164: true }]);
    },
  );

  it.each(['030 1234567', '+49 30', 'call the front desk'])(
    '%s (no country, too short, no number) is kept as written, not E.164, in every system',
    async (written) => {
      for (const [format, document] of documents(written))
        expect(await phones(format, document), format).toMatchObject([{ number: written, isE164: false }]);
    },
  );

  it('is written once, in lib/phones.yaml, and imported by every mapping that reads phones', () => {
    const yamlFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? yamlFiles(join(dir, entry.name))
          : entry.name.endsWith('.yaml')
            ? [join(dir, entry.name)]
            : [],
      );
    // The E.164 pattern itself: one file holds it.
    const holding = yamlFiles(mappingsDir).filter((file) =>
      readFileSync(file, 'utf8').includes('[1-9][0-9]{6,14}'),
    );
    expect(holding.map((file) => file.slice(mappingsDir.length + 1))).toEqual(['lib/phones.yaml']);
    const readingPhones = mappingFiles().filter(
      (file) =>
        file.endsWith('.to-canonical.yaml') && /\$e164\(|\$phones?\(/.test(readFileSync(file, 'utf8')),
    );
    expect(readingPhones.length).toBeGreaterThanOrEqual(7);
    for (const file of readingPhones)
      expect(loadMappingFile(file).letOrigins.e164, file).toBe('lib/phones.yaml');
  });
});
