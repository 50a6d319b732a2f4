/**
 * generateCustomers: N real-world customers, each held by a random subset of the four simulated
 * systems, every copy drifted and keyed in its system's own id style, plus the truth that links them.
 */

import { toHubSpot } from '../hubspot/generated-customer.ts';
import { toOdoo } from '../odoo/generated-customer.ts';
import { toSalesforce } from '../salesforce/generated-customer.ts';
import { toSap } from '../sap/generated-customer.ts';
import type { CopyMeta } from './copy-meta.ts';
import { type CopyView, DriftRecorder, deriveCopy } from './drift.ts';
import { createEntity, type Entity } from './entities.ts';
import { salesforceId, sapKunnr } from './ids.ts';
import { type CountryCode, DEFAULT_COUNTRY_WEIGHTS } from './locales/index.ts';
import {
  DRIFT_RATES,
  type DriftRates,
  type DriftStats,
  SYSTEMS,
  type SystemName,
  type SystemRecord,
  type TruthLink,
} from './model.ts';
import { createRng, type Rng } from './prng.ts';

export interface GenerateOptions {
  seed: number;
  entities: number;
  /** Share of organisations among the entities; the rest are persons. Default 0.6. */
  organizationShare?: number;
  /** Relative weight per country; countries left out are not generated. */
  countries?: Partial<Record<CountryCode, number>>;
  /** The "now" of the data set: timestamps fall in the six years before it. Default 2025-06-30. */
  asOf?: string;
  /** Override drift probabilities (set all to 0 for clean copies). */
  drift?: Partial<DriftRates>;
}

export interface GeneratedCustomers {
  seed: number;
  /** The golden records: what each customer really is. */
  entities: Entity[];
  records: SystemRecord[];
  truth: TruthLink[];
  driftStats: DriftStats;
}

/** How many systems hold a customer: most are in two or more, some in only one. */
export const SYSTEM_COUNT_WEIGHTS = { '1': 20, '2': 35, '3': 30, '4': 15 } as const;

/** Which systems are likely to hold which kind of customer (B2B in ERP, consumers in marketing CRM). */
const SYSTEM_AFFINITY: Record<Entity['kind'], Record<SystemName, number>> = {
  organization: { salesforce: 0.9, hubspot: 0.5, odoo: 0.7, sap: 0.9 },
  person: { salesforce: 0.6, hubspot: 1, odoo: 0.7, sap: 0.4 },
};

function chooseSystems(rng: Rng, kind: Entity['kind']): SystemName[] {
  const count = Number(rng.weighted(SYSTEM_COUNT_WEIGHTS));
  const remaining: Partial<Record<SystemName, number>> = { ...SYSTEM_AFFINITY[kind] };
  const chosen: SystemName[] = [];
  while (chosen.length < count) {
    const system = rng.weighted(remaining as Record<SystemName, number>);
    chosen.push(system);
    delete remaining[system];
  }
  return SYSTEMS.filter((s) => chosen.includes(s));
}

/** Id minting per system, with the gaps real sequences have (deleted records, other object types). */
function idMinter(rng: Rng, system: SystemName): (view: CopyView) => string {
  switch (system) {
    case 'salesforce': {
      let sequence = rng.int(62 ** 5, 62 ** 6);
      return (view) => {
        sequence += rng.int(1, 40);
        return salesforceId(view.entity.kind === 'organization' ? 'Account' : 'Contact', sequence);
      };
    }
    case 'hubspot': {
      let id = rng.int(10_000_000_000, 90_000_000_000);
      return () => {
        id += rng.int(1, 2000);
        return String(id);
      };
    }
    case 'odoo': {
      let id = rng.int(7, 60);
      return () => {
        id += rng.chance(0.9) ? 1 : rng.int(2, 5);
        return String(id);
      };
    }
    case 'sap': {
      let number = 100_000 + rng.int(0, 900);
      return () => {
        number += rng.chance(0.95) ? 1 : 2;
        return sapKunnr(number);
      };
    }
  }
}

function validateOptions(options: GenerateOptions): void {
  if (!Number.isInteger(options.seed))
    throw new RangeError(`generateCustomers: seed must be an integer, got ${options.seed}`);
  if (!Number.isInteger(options.entities) || options.entities < 0) {
    throw new RangeError(
      `generateCustomers: entities must be a non-negative integer, got ${options.entities}`,
    );
  }
  const share = options.organizationShare ?? 0.6;
  if (!(share >= 0 && share <= 1))
    throw new RangeError(`generateCustomers: organizationShare must be in [0, 1], got ${share}`);
  if (options.asOf !== undefined && Number.isNaN(Date.parse(options.asOf))) {
    throw new RangeError(`generateCustomers: asOf is not a date: ${options.asOf}`);
  }
}

export function generateCustomers(options: GenerateOptions): GeneratedCustomers {
  validateOptions(options);
  const root = createRng(options.seed);
  const entityRng = root.fork('entities');
  const membershipRng = root.fork('systems');
  const driftRng = root.fork('drift');
  const idRng = root.fork('ids');
  const timeRng = root.fork('time');
  const recorder = new DriftRecorder({ ...DRIFT_RATES, ...options.drift });
  const countryWeights = (options.countries ?? DEFAULT_COUNTRY_WEIGHTS) as Record<CountryCode, number>;
  const organizationShare = options.organizationShare ?? 0.6;
  const asOf = Date.parse(options.asOf ?? '2025-06-30T12:00:00Z');
  const day = 86_400_000;

  const entities: Entity[] = [];
  const taken = new Set<string>();
  const copies: Record<SystemName, CopyView[]> = { salesforce: [], hubspot: [], odoo: [], sap: [] };
  for (let i = 0; i < options.entities; i++) {
    const kind = entityRng.chance(organizationShare) ? 'organization' : 'person';
    const entity = createEntity(entityRng, i, entityRng.weighted(countryWeights), kind, taken);
    entities.push(entity);
    const systems = chooseSystems(membershipRng, kind);
    if (recorder.roll(membershipRng, 'duplicate_in_system')) systems.push(membershipRng.pick(systems));
    for (const system of systems) copies[system].push(deriveCopy(driftRng, entity, system, recorder));
  }

  // Each system numbered its customers in its own order, so ids do not line up across systems.
  const ids = new Map<CopyView, string>();
  const sapNumberOf = new Map<string, string>();
  for (const system of SYSTEMS) {
    copies[system] = idRng.shuffle(copies[system]);
    const mint = idMinter(idRng, system);
    for (const view of copies[system]) {
      const id = mint(view);
      ids.set(view, id);
      if (system === 'sap' && !sapNumberOf.has(view.entity.entityId))
        sapNumberOf.set(view.entity.entityId, id);
    }
  }

  const records: SystemRecord[] = [];
  const truth: TruthLink[] = [];
  for (const system of SYSTEMS) {
    for (const view of copies[system]) {
      const createdAt = new Date(asOf - timeRng.int(30, 6 * 365) * day - timeRng.int(0, day - 1));
      const modifiedAt = new Date(createdAt.getTime() + timeRng.next() * (asOf - createdAt.getTime()));
      const sapNumber = sapNumberOf.get(view.entity.entityId);
      // Some CRM and ERP users keep the SAP number on the record; most do not.
      const crossReference =
        sapNumber && system !== 'sap' && timeRng.chance(system === 'salesforce' ? 0.3 : 0.2);
      const meta: CopyMeta = {
        systemId: ids.get(view)!,
        createdAt,
        modifiedAt,
        ...(crossReference ? { sapCustomerNumber: sapNumber } : {}),
      };
      let record: SystemRecord;
      if (system === 'salesforce') record = toSalesforce(view, meta);
      else if (system === 'hubspot') record = toHubSpot(view, meta);
      else if (system === 'odoo') record = toOdoo(view, meta);
      else {
        const shaped = toSap(view, meta);
        record = shaped.record;
        if (shaped.truncated) view.drift.push('truncated');
      }
      records.push(record);
      truth.push({
        entityId: view.entity.entityId,
        system,
        systemId: meta.systemId,
        type: record.type,
        drift: view.drift,
      });
    }
  }
  return { seed: options.seed, entities, records, truth, driftStats: recorder.stats };
}
