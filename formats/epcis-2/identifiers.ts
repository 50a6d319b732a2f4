import { deriveFrom } from '../derived.ts';
import { gs1CheckDigit as checkDigit, isGln } from '../gs1.ts';
import { FormatError } from '../types.ts';
/** An EPC or GS1 Digital Link identifier, with the GS1 keys it carries. */
export interface Identifier {
  $loc: string;
  uri: string;
  scheme: string | null;
  gtin?: string;
  serial?: string;
  sscc?: string;
  gln?: string;
  glnExtension?: string;
  lot?: string;
}

const EPC_URN = /^urn:epc:(id|class|idpat):([a-z]+):(.+)$/;
/**
 * Digital Link keys in path order: primary key then qualifiers (GS1 DL 1.2); `(\d{2,4})` are application ids. 414 is
 * a location's GLN (254 its extension), 417 a party's GLN: both are the same GLN as an sgln / pgln URN's.
 */
const DL_AI: Record<string, keyof Identifier> = {
  '01': 'gtin',
  '00': 'sscc',
  '414': 'gln',
  '417': 'gln',
  '21': 'serial',
  '10': 'lot',
  '254': 'glnExtension',
};

/** A percent-encoded part of an identifier; a malformed escape (`%E0%A4%A`) is refused where it stands. */
function unescaped(text: string, uri: string, loc: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new FormatError(
      'epcis-2',
      loc,
      `${JSON.stringify(uri)}: malformed percent-encoding in ${JSON.stringify(text)}`,
    );
  }
}

/**
 * The digits the GS1 EPC Tag Data Standard gives a scheme's two numeric parts: a company prefix of 6 to 12 digits and
 * the reference beside it, the two together of a fixed length (the GS1 key without its check digit). A URN off by a
 * digit would otherwise be read as another key (`sgtin:9521234.54321` as GTIN 5952123443217), so it is refused.
 */
const EPC_DIGITS: Record<string, { name: string; reference: string; digits: number }> = {
  sgtin: { name: 'SGTIN', reference: 'indicator/item reference', digits: 13 },
  lgtin: { name: 'LGTIN', reference: 'indicator/item reference', digits: 13 },
  sscc: { name: 'SSCC', reference: 'serial reference', digits: 17 },
  sgln: { name: 'SGLN', reference: 'location reference', digits: 12 },
  pgln: { name: 'PGLN', reference: 'party reference', digits: 12 },
};

/** Refuses an EPC URN whose company prefix and reference do not have the digits its scheme asks, naming the URN. */
function checkEpcDigits(scheme: string, prefix: string, reference: string, uri: string, loc: string): void {
  const rule = EPC_DIGITS[scheme];
  if (!rule) return;
  const problem = !/^\d{6,12}$/.test(prefix)
    ? `its company prefix "${prefix}" must be 6 to 12 digits`
    : !/^\d+$/.test(reference)
      ? `its ${rule.reference} "${reference}" must be digits`
      : prefix.length + reference.length !== rule.digits
        ? `its company prefix (${prefix.length} digits) and ${rule.reference} (${reference.length}) must have ${rule.digits} digits together, not ${prefix.length + reference.length}`
        : undefined;
  if (problem)
    throw new FormatError(
      'epcis-2',
      loc,
      `${JSON.stringify(uri)} is not a valid ${rule.name} (GS1 EPC Tag Data Standard): ${problem}`,
    );
}

/** The digits of the GS1 keys a Digital Link path starts with (GS1 General Specifications), the check digit last. */
const DL_KEYS: Record<string, { name: string; lengths: number[] }> = {
  '01': { name: 'GTIN', lengths: [8, 12, 13, 14] },
  '00': { name: 'SSCC', lengths: [18] },
  '414': { name: 'GLN', lengths: [13] },
  '417': { name: 'GLN', lengths: [13] },
};

/**
 * Refuses a Digital Link whose GTIN, SSCC or GLN has other digits than its key has, or a wrong check digit, naming
 * it: a URN's check digit is computed, a Digital Link's is sent, and a mistyped one would name another package or
 * place (an SSCC that matches no despatch advice), as an EDIFACT GIN+BJ SSCC with a wrong check digit is refused.
 */
function checkDigitalLinkKey(ai: string, value: string, uri: string, loc: string): void {
  const rule = DL_KEYS[ai];
  if (!rule) return;
  const expected = checkDigit(value.slice(0, -1));
  const problem =
    !/^\d+$/.test(value) || !rule.lengths.includes(value.length)
      ? `its ${rule.name} (${ai}) "${value}" must be ${rule.lengths.join(', ')} digits`
      : value.at(-1) !== expected
        ? `its ${rule.name} (${ai}) "${value}" ends in check digit ${value.at(-1)}, not ${expected}`
        : undefined;
  if (problem)
    throw new FormatError(
      'epcis-2',
      loc,
      `${JSON.stringify(uri)} is not a valid GS1 Digital Link: ${problem}`,
    );
}

/**
 * An identifier read: its scheme and GS1 keys, each derived from its uri (a mapping that reads its gtin used the uri;
 * the usage count of `eai map` does not list the keys as input values of their own).
 */
export function parseIdentifier(uri: string, loc: string): Identifier {
  const id = readIdentifier(uri, loc);
  for (const key of Object.keys(id)) if (key !== '$loc' && key !== 'uri') deriveFrom(id, key, ['uri']);
  return id;
}

function readIdentifier(uri: string, loc: string): Identifier {
  const id: Identifier = { $loc: loc, uri, scheme: null };
  // A bare GLN (13 digits with a valid check digit), as some documents name a party or place.
  if (isGln(uri)) {
    id.scheme = 'gln';
    id.gln = uri;
    return id;
  }
  const urn = EPC_URN.exec(uri);
  if (urn) {
    const scheme = urn[2] ?? '';
    const parts = (urn[3] ?? '').split('.');
    id.scheme = urn[1] === 'idpat' ? `idpat:${scheme}` : scheme;
    const [prefix = '', second = '', third] = parts;
    if (urn[1] !== 'idpat') checkEpcDigits(scheme, prefix, second, uri, loc);
    if ((scheme === 'sgtin' || scheme === 'lgtin') && urn[1] !== 'idpat') {
      const body = `${second.slice(0, 1)}${prefix}${second.slice(1)}`;
      id.gtin = body + checkDigit(body);
      if (third !== undefined) id[scheme === 'sgtin' ? 'serial' : 'lot'] = unescaped(third, uri, loc);
    } else if (scheme === 'sscc') {
      const body = `${second.slice(0, 1)}${prefix}${second.slice(1)}`;
      id.sscc = body + checkDigit(body);
    } else if (scheme === 'sgln') {
      const body = `${prefix}${second}`;
      id.gln = body + checkDigit(body);
      if (third !== undefined && third !== '0') id.glnExtension = unescaped(third, uri, loc);
    } else if (scheme === 'pgln') {
      const body = `${prefix}${second}`;
      id.gln = body + checkDigit(body);
    }
    return id;
  }
  if (/^https?:\/\//.test(uri)) {
    // Digital Link on any host: the GS1 keys start at the first path segment that is a known application id.
    const url = URL.parse(uri);
    if (!url) throw new FormatError('epcis-2', loc, `${JSON.stringify(uri)} is not a URL`);
    const path = url.pathname.split('/').filter(Boolean);
    const start = path.findIndex(
      (seg, i) =>
        (seg === '01' || seg === '00' || seg === '414' || seg === '417') && path[i + 1] !== undefined,
    );
    if (start !== -1) {
      id.scheme = 'digital-link';
      for (let i = start; i + 1 < path.length; i += 2) {
        const key = DL_AI[path[i] ?? ''];
        if (key && key !== '$loc' && key !== 'uri' && key !== 'scheme') {
          const value = unescaped(path[i + 1] ?? '', uri, loc);
          checkDigitalLinkKey(path[i] ?? '', value, uri, loc);
          id[key] = key === 'gtin' ? value.padStart(14, '0') : value;
        }
      }
    }
  }
  return id;
}
