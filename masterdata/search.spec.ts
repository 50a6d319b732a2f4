import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { blockingKeys } from './block.ts';
import { defaultMdmConfig } from './config.ts';
import { Scorer } from './score.ts';
import { probesFor, queryKind } from './search.ts';
import { standardise } from './standardise.ts';

const config = defaultMdmConfig();
const stored = {
  customerId: 'sap:1',
  sourceIds: [{ system: 'sap', id: '1' }],
  partyType: 'ORGANIZATION',
  organizationName: 'MÜLLER MASCHINENBAU GMBH',
  emails: [{ address: 'Einkauf@Mueller-Maschinenbau.de' }],
  phones: [{ number: '030 1234567' }],
  addresses: [
    { use: 'BILLING', lines: ['Friedrichstraße 1'], city: 'Berlin', postalCode: '10117', countryCode: 'DE' },
  ],
} as unknown as CustomerPartyMaster;

describe('customer search probes', () => {
  it('reads a query as an email, a phone or a name', () => {
    expect(queryKind(' a.b@example.org ')).toBe('email');
    expect(queryKind('+49 (30) 123-4567')).toBe('phone');
    expect(queryKind('030/1234567')).toBe('phone');
    expect(queryKind('Müller Maschinenbau')).toBe('name');
    expect(queryKind('4711')).toBe('name');
    expect(queryKind('Claudia @ home')).toBe('name');
    expect(queryKind('DE123456789')).toBe('taxId');
    expect(queryKind('FR 40 303 265 045')).toBe('taxId');
    expect(queryKind('Deutschland')).toBe('name');
  });

  it('tries a name as an organisation and as a person (given name first, the rest as family name)', () => {
    const probes = probesFor('Claudia von Weber');
    expect(probes.map((p) => p.partyType)).toEqual(['ORGANIZATION', 'ORGANIZATION', 'PERSON']);
    expect(probes.map((p) => p.organizationName)).toEqual([
      'Claudia von Weber',
      'Weber von Claudia',
      undefined,
    ]);
    expect(probes[2]?.person).toEqual({ givenName: 'Claudia', familyName: 'von Weber' });
    expect(probesFor('Weber')[1]?.person).toEqual({ givenName: null, familyName: 'Weber' });
  });

  it('blocks and scores a probe as the matcher does: it shares a key with the record and scores a positive weight', () => {
    const record = standardise(stored, config);
    const scorer = Scorer.fromConfig(config);
    for (const q of ['EINKAUF@mueller-maschinenbau.de', '+49 30 1234567', 'Mueller Maschinenbau']) {
      const [probe] = probesFor(q).map((p) => standardise(p, config));
      const shared = blockingKeys(probe!).filter((k) => blockingKeys(record).includes(k));
      expect(shared.length, q).toBeGreaterThan(0);
      expect(scorer.score(probe!, record).weight, q).toBeGreaterThan(0);
    }
    const [stranger] = probesFor('Schmidt Logistik').map((p) => standardise(p, config));
    expect(scorer.score(stranger!, record).weight).toBeLessThan(0);
  });
});
