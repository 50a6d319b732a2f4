/**
 * Finding a customer by id, name, email or phone. An id (a golden id, a source id as `system:id` or alone) is looked
 * up in the cross-reference first. Otherwise the matcher's own parts: the query becomes a probe record,
 * standardised as an incoming record is, its blocking keys pick the candidates from the index, and each candidate
 * is scored by the Fellegi–Sunter model. A one-word name is tried as an organisation, a family name and a given
 * name, its candidates found by the name keys with any initial (`nameKeysAnyInitial`). An organisation is also
 * found by any significant word of its name (`wordKeys`: Dijk for Van Dijk B.V.), and scored as a name that holds
 * the words asked for. Golden records are ranked by their best member's match weight.
 *
 * A name query's last word may be the start of a name word (type-ahead: `Nordw`, `Maschin`): where the whole words
 * leave room under the limit, records with a name word starting with it (three letters or more, folded) are found
 * in the `name_word` index (migration 011), at most `MAX_PREFIX_CANDIDATES`, and scored as the query completed to
 * that word. They rank below every whole-word hit. A name in a CJK script (no spaces between its words) is found by
 * any part of it, from one character on (王 or 小明 of 王小明, 山田 of 山田太郎), and scored as its whole name.
 */
import { getCountries, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { quoteSchema } from '../store/migrate.ts';
import { blockHash, blockingKeys, nameKeysAnyInitial, orgKeysAnyInitial, wordKey } from './block.ts';
import { displayName } from './customer-data.ts';
import { COMPARISONS, comparisonVector, type PairScore, Scorer } from './score.ts';
import {
  fold,
  isCjk,
  orgNameWords,
  type StandardCustomer,
  standardise,
  standardisePhone,
} from './standardise.ts';
import type { MasterDataStore } from './store.ts';

export type QueryKind = 'id' | 'email' | 'phone' | 'taxId' | 'name';

export interface SearchHit {
  goldenId: string;
  /** The golden record's display name. */
  name: string | null;
  /** Sum of log2(m/u) of the best-matching member over the fields the query gives. */
  weight: number;
  /** The match probability of that member with the model's prior (low for a name alone: a name is weak evidence). */
  probability: number;
  /** The member that matched best. */
  matched: { system: string; sourceId: string };
}

/**
 * At most this many candidate records are scored per probe. Where a common name's keys hold more, those that share
 * the most of the probe's keys are scored (John Smith, who has both `n:JN:s` and `n:SM0:j`, before the Jane Smiths).
 */
const MAX_CANDIDATES = 5000;

/**
 * At most this many records are read for the start of a word (`Mue` may start a hundred thousand names), in the
 * order of their words (the shortest completion first: maschine, maschinen, maschinenbau).
 */
const MAX_PREFIX_CANDIDATES = 500;

/** The shortest start of a word searched for (folded: `Mue` folds to `mu`, too short; `Muel` to `mul`). */
export const MIN_PREFIX = 3;

/**
 * The folded start of a word a name query ends with (`Müller Masch` → `masch`), or null when it is shorter than
 * `MIN_PREFIX` or holds a LIKE wildcard (folding leaves letters, digits and `&` only). A word of a CJK script is
 * any part of a name (its suffixes are indexed, standardise.ts `nameWords`) from one character on (王, a family
 * name), its Hangul composed as the index holds it.
 */
export function queryPrefix(q: string): string | null {
  const last =
    fold(q.trim().split(/\s+/).at(-1) ?? '')
      .split(' ')
      .at(-1) ?? '';
  if (isCjk(last)) return /[%_\\]/.test(last) ? null : last.normalize('NFC');
  return last.length >= MIN_PREFIX && !/[%_\\]/.test(last) ? last : null;
}

/**
 * An address with `@` is an email; a country prefix and 8–12 letters and digits, most of them digits, a VAT id
 * (DE123456789, FR40303265045, GB 123 4567 89); digits with +, spaces, dashes, dots, slashes or brackets a phone;
 * else a name.
 */
export function queryKind(q: string): QueryKind {
  const text = q.trim();
  if (/^[^\s@]+@[^\s@]+$/.test(text)) return 'email';
  const compact = text.replace(/[\s.-]/g, '');
  if (/^[A-Za-z]{2}[0-9A-Za-z]{8,12}$/.test(compact) && (compact.match(/\d/g)?.length ?? 0) >= 6)
    return 'taxId';
  if (/^\+?[\d\s()./-]{5,}$/.test(text) && (text.match(/\d/g)?.length ?? 0) >= 5) return 'phone';
  return 'name';
}

/**
 * A phone query's E.164 forms, as the matcher reads a record's phone (`standardisePhone`, a national number in the
 * configured default region: `030 1234567` with DE is +49301234567). With no region configured, a national number
 * is read in every region where it is a valid number: a query has no address to give one, and the customer stored
 * as +49301234567 is among them (so may be one of another country with the same national digits, ranked alike).
 */
export function queryPhones(q: string, defaultCountry?: string): string[] {
  const read = standardisePhone(q, defaultCountry ?? null);
  if (read || defaultCountry) return read ? [read] : [];
  const forms = new Set<string>();
  for (const country of getCountries()) {
    const parsed = parsePhoneNumberFromString(q, country);
    if (parsed?.isValid()) forms.add(parsed.number);
  }
  return [...forms];
}

/**
 * The probe records for a query: an email or phone alone (a phone as its E.164 forms, `queryPhones`); a name as an
 * organisation (two or three words also reversed) and as a person (one word: as a family name and as a given name).
 */
export function probesFor(
  q: string,
  kind: QueryKind = queryKind(q),
  defaultCountry?: string,
): CustomerPartyMaster[] {
  const text = q.trim();
  const base = { customerId: 'query', sourceIds: [], emails: [], phones: [], addresses: [] };
  if (kind === 'email')
    return [{ ...base, partyType: 'UNKNOWN', emails: [{ address: text }] } as CustomerPartyMaster];
  if (kind === 'taxId')
    return [
      {
        ...base,
        partyType: 'UNKNOWN',
        taxId: { scheme: 'VAT', value: text.replace(/[\s.-]/g, '').toUpperCase() },
      } as CustomerPartyMaster,
    ];
  if (kind === 'phone') {
    const phones = queryPhones(text, defaultCountry).map((number) => ({ number }));
    return [{ ...base, partyType: 'UNKNOWN', phones } as CustomerPartyMaster];
  }
  const words = text.split(/\s+/).filter(Boolean);
  const persons =
    words.length > 1
      ? [{ givenName: words[0], familyName: words.slice(1).join(' ') }]
      : [
          { givenName: null, familyName: text },
          { givenName: text, familyName: null },
        ];
  // A company's words in another order ("Maschinenbau Müller") share none of its name keys, which start at its first
  // word: two or three words are also tried the other way round.
  const reversed =
    words.length === 2 || words.length === 3
      ? [
          {
            ...base,
            partyType: 'ORGANIZATION',
            organizationName: [...words].reverse().join(' '),
          } as CustomerPartyMaster,
        ]
      : [];
  return [
    { ...base, partyType: 'ORGANIZATION', organizationName: text } as CustomerPartyMaster,
    ...reversed,
    ...persons.map((person) => ({ ...base, partyType: 'PERSON', person }) as CustomerPartyMaster),
  ];
}

/**
 * A probe's keys: its blocking keys; for a person of one name part the name keys with any other initial; for an
 * organisation the word key of each significant word it names (a company holds one for every word of its name
 * but the first, block.ts `wordKeys`) and, for one word, the company-name keys with any second initial (the
 * company whose name starts with it).
 */
function probeKeys(std: StandardCustomer): string[] {
  const keys = blockingKeys(std);
  const parts = [std.givenName, std.familyName].filter((p): p is string => !!p);
  if (std.partyType === 'PERSON' && parts.length === 1) keys.push(...nameKeysAnyInitial(parts[0]!));
  if (std.partyType === 'ORGANIZATION') {
    const words = orgNameWords(std.orgName).filter((w) => w.length > 1);
    keys.push(...new Set(words.map(wordKey)));
    if (words.length === 1 && std.orgName === words[0]) keys.push(...orgKeysAnyInitial(words[0]));
  }
  return [...new Set(keys)];
}

const FAMILY_NAME = COMPARISONS.findIndex((c) => c.name === 'familyName');
const ORG_NAME = COMPARISONS.findIndex((c) => c.name === 'orgName');
/** orgName's level for names that share tokens ('jw>=0.88 or tokens>=0.5'), below exact and near-exact. */
const ORG_NAME_PARTIAL = 2;
const givenNameOnly = (std: StandardCustomer) =>
  std.partyType === 'PERSON' && !!std.givenName && !std.familyName;

/**
 * A one-word query read as a given name, scored on the given name alone. The comparators orient a person's names by
 * both of them (score.ts: a family name on each side, else no name level), so the probe borrows the candidate's
 * family name to be compared at all, and that borrowed agreement is not counted.
 */
function scoreGivenName(scorer: Scorer, probe: StandardCustomer, candidate: StandardCustomer): PairScore {
  if (!candidate.familyName) return { levels: [], weight: 0, probability: 0 };
  const lent: StandardCustomer = {
    ...probe,
    familyName: candidate.familyName,
    nameTokens: [...probe.nameTokens, ...candidate.familyName.split(' ')].sort(),
  };
  const levels = comparisonVector(lent, candidate);
  levels[FAMILY_NAME] = -1;
  const weight = scorer.weightOf(levels);
  return { levels, weight, probability: scorer.probabilityOf(weight) };
}

/**
 * An organisation probe scored against a company whose name holds every word asked for ("Service" in Müller
 * Maschinenbau Service GmbH): its name comparison counts at least as names that share tokens, as "Dijk" and Van Dijk
 * B.V. do already; a word that is a third of a long name would else score as another name, and its hit be dropped.
 */
function scoreOrgWords(scorer: Scorer, probe: StandardCustomer, candidate: StandardCustomer): PairScore {
  const score = scorer.score(probe, candidate);
  const asked = orgNameWords(probe.orgName);
  const level = score.levels[ORG_NAME] ?? -1;
  if (level <= ORG_NAME_PARTIAL || asked.length === 0) return score;
  const words = new Set(orgNameWords(candidate.orgName));
  if (!asked.every((w) => words.has(w))) return score;
  const levels = [...score.levels];
  levels[ORG_NAME] = ORG_NAME_PARTIAL;
  const weight = scorer.weightOf(levels);
  return { levels, weight, probability: scorer.probabilityOf(weight) };
}

type Candidate = { system: string; source_id: string; std: StandardCustomer; golden_id: string };

/** Keeps, per golden record, the member that scored best (its golden record's name is filled in later). */
function keepBest(
  best: Map<string, SearchHit>,
  c: Candidate,
  score: Pick<PairScore, 'weight' | 'probability'>,
): void {
  const seen = best.get(c.golden_id);
  if (seen && seen.weight >= score.weight) return;
  best.set(c.golden_id, {
    goldenId: c.golden_id,
    name: null,
    weight: score.weight,
    probability: score.probability,
    matched: { system: c.system, sourceId: c.source_id },
  });
}

/**
 * The members an id names: the members of a golden record by its id, or a source record by `system:id` or by its id
 * in any system, whole as well: a source id may hold a colon itself (a HubSpot company's is `company:5102`, so that
 * `company:5102` finds it as `hubspot:company:5102` does). A number of up to nine digits is also tried with leading
 * zeros to ten, as SAP keeps its customer numbers (KUNNR 100001 is stored 0000100001). None for a query with spaces
 * (a name).
 */
async function membersById(store: MasterDataStore, q: string): Promise<Candidate[]> {
  const text = q.trim();
  if (/\s/.test(text)) return [];
  const colon = text.indexOf(':');
  const [system, sourceId] = colon > 0 ? [text.slice(0, colon), text.slice(colon + 1)] : [null, text];
  const ids = /^\d{1,9}$/.test(sourceId) ? [sourceId, sourceId.padStart(10, '0')] : [sourceId];
  return (
    await store.pool.query<Candidate>(
      `select system, source_id, std, golden_id from ${quoteSchema(store.schema)}.source_record
        where golden_id is not null
          and (golden_id = $1 or source_id = $1
               or (case when $2::text is null then source_id = any($3) else system = $2 and source_id = any($3) end))
        order by system, source_id limit 100`,
      [text, system, ids],
    )
  ).rows;
}

/** Golden records for a query, best first; only members with positive evidence (weight > 0) count. */
export async function searchCustomers(
  store: MasterDataStore,
  q: string,
  options: { limit?: number; kind?: QueryKind; maxCandidates?: number } = {},
): Promise<{ kind: QueryKind; hits: SearchHit[] }> {
  const scorer = Scorer.fromConfig(store.config);
  const schema = quoteSchema(store.schema);
  const best = new Map<string, SearchHit>();
  // An id names its customer: ranked by the member's weight against itself (an exact match of everything it holds).
  const named = options.kind === undefined || options.kind === 'id' ? await membersById(store, q) : [];
  if (named.length > 0 || options.kind === 'id') {
    for (const c of named) keepBest(best, c, scorer.score(c.std, c.std));
    return { kind: 'id', hits: await rankedHits(store, best, options.limit) };
  }
  const kind = options.kind ?? queryKind(q);
  const limit = options.limit ?? 20;
  for (const probe of probesFor(q, kind, store.config.defaultCountry)) {
    const std = standardise(probe, store.config);
    const keys = probeKeys(std);
    if (keys.length === 0) continue;
    const candidates = (
      await store.pool.query<Candidate>(
        `select sr.system, sr.source_id, sr.std, sr.golden_id
           from (select bk.rec, count(*) as shared from ${schema}.block_key bk
                  where bk.key = any($1::bigint[]) group by bk.rec) c
           join ${schema}.source_record sr on sr.rec = c.rec
          where sr.golden_id is not null
          order by c.shared desc, sr.system, sr.source_id
          limit $2`,
        // block_key holds the keys' hashes (block.ts blockHash); a probe's keys with one hash are one key.
        [[...new Set(keys.map(blockHash))], options.maxCandidates ?? MAX_CANDIDATES],
      )
    ).rows;
    for (const c of candidates) {
      const score = scoreProbe(scorer, std, c.std);
      if (score.weight > 0) keepBest(best, c, score);
    }
  }
  const hits = await rankedHits(store, best, limit);
  if (kind !== 'name' || hits.length >= limit) return { kind, hits };
  const started = await prefixHits(store, scorer, q, best, limit - hits.length);
  return { kind, hits: [...hits, ...started] };
}

/** A candidate scored against a probe as its kind asks (a given name alone, an organisation's words, else as is). */
function scoreProbe(scorer: Scorer, std: StandardCustomer, candidate: StandardCustomer): PairScore {
  return givenNameOnly(std)
    ? scoreGivenName(scorer, std, candidate)
    : std.partyType === 'ORGANIZATION'
      ? scoreOrgWords(scorer, std, candidate)
      : scorer.score(std, candidate);
}

/**
 * Golden records (not among `found`) with a name word that starts with the query's last word, each scored as the
 * query completed to its word (`Nordw` as `nordwind`), best first, at most `limit`.
 */
async function prefixHits(
  store: MasterDataStore,
  scorer: Scorer,
  q: string,
  found: Map<string, SearchHit>,
  limit: number,
): Promise<SearchHit[]> {
  const prefix = queryPrefix(q);
  if (!prefix) return [];
  const schema = quoteSchema(store.schema);
  const candidates = (
    await store.pool.query<Candidate & { word: string }>(
      `select sr.system, sr.source_id, sr.std, sr.golden_id, nw.word
         from (select word, rec from ${schema}.name_word where word like $1 order by word, rec limit $2) nw
         join ${schema}.source_record sr on sr.rec = nw.rec
        where sr.golden_id is not null`,
      [`${prefix}%`, MAX_PREFIX_CANDIDATES],
    )
  ).rows;
  const words = q.trim().split(/\s+/);
  const probes = new Map<string, StandardCustomer[]>();
  const best = new Map<string, SearchHit>();
  for (const c of candidates) {
    // An article or a legal form finds no company as a whole word (orgNameWords), nor as one completed.
    if (found.has(c.golden_id) || orgNameWords(c.word).length === 0) continue;
    if (isCjk(c.word)) {
      // A part of a CJK name (山田 of 山田太郎): the query completed to the name that holds it.
      const score = scoreProbe(scorer, nameOnly(c.std), c.std);
      if (score.weight > 0) keepBest(best, c, score);
      continue;
    }
    let stds = probes.get(c.word);
    if (!stds) {
      const completed = [...words.slice(0, -1), c.word].join(' ');
      stds = probesFor(completed, 'name').map((p) => standardise(p, store.config));
      probes.set(c.word, stds);
    }
    for (const std of stds) {
      const score = scoreProbe(scorer, std, c.std);
      if (score.weight > 0) keepBest(best, c, score);
    }
  }
  return rankedHits(store, best, limit);
}

/** A record's name alone, as a probe that asks for it whole. */
function nameOnly(std: StandardCustomer): StandardCustomer {
  return {
    ...std,
    emails: [],
    phones: [],
    taxId: null,
    birthDate: null,
    country: null,
    postalCode: null,
    city: null,
    street: null,
    houseNumber: null,
    website: null,
    domains: [],
  };
}

/** The hits best first, at most `limit` (20), each with its golden record's display name. */
async function rankedHits(
  store: MasterDataStore,
  best: Map<string, SearchHit>,
  limit = 20,
): Promise<SearchHit[]> {
  const hits = [...best.values()]
    .sort((a, b) => b.weight - a.weight || (a.goldenId < b.goldenId ? -1 : 1))
    .slice(0, limit);
  if (hits.length) {
    const names = new Map(
      (
        await store.pool.query<{ golden_id: string; record: CustomerPartyMaster | null }>(
          `select golden_id, record from ${quoteSchema(store.schema)}.golden where golden_id = any($1::text[])`,
          [hits.map((h) => h.goldenId)],
        )
      ).rows.map((r) => [r.golden_id, displayName(r.record)]),
    );
    for (const h of hits) h.name = names.get(h.goldenId) ?? null;
  }
  return hits;
}
