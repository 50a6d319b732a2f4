import { ConfigError } from '../../lib/errors.ts';
import type { SimContext } from '../common/types.ts';
import { isValidId, KEY_PREFIX, to18 } from './ids.ts';
import { createRecord } from './records.ts';
import { isSObjectType, SOBJECTS } from './schema.ts';
import type { SalesforceState } from './state.ts';
import { validateFields } from './validate.ts';

const DATES = ['CreatedDate', 'LastModifiedDate'] as const;
/** Platform fields a generator line carries as the org held them: set by the seed, never written. */
const PLATFORM = new Set(['Id', 'IsDeleted', 'SystemModstamp', 'CreatedById', 'LastModifiedById', 'OwnerId']);

/**
 * A seed line as fields: a bare `{"type":"Account", ...fields}` line as it is; a generator line
 * (`{"system":"salesforce","type","record"}`, simulators/generator) with its record's fields, less those the org has
 * no field for (the generator writes a Contact's MailingState, which this org's Contact lacks), its record id kept.
 * Lines of other systems are skipped (one file seeds every simulator).
 */
function seedLine(line: unknown): { type: unknown; fields: Record<string, unknown>; id?: string } | null {
  const wrapped = (line ?? {}) as Record<string, unknown>;
  if (typeof wrapped.system !== 'string') {
    const { type, attributes, ...fields } = wrapped;
    return { type: type ?? (attributes as { type?: unknown } | undefined)?.type, fields };
  }
  if (wrapped.system !== 'salesforce') return null;
  const type = wrapped.type;
  const record = (wrapped.record ?? {}) as Record<string, unknown>;
  const schema = typeof type === 'string' && isSObjectType(type) ? SOBJECTS[type] : {};
  const fields = Object.fromEntries(
    Object.entries(record).filter(
      ([name]) => (name in schema && !PLATFORM.has(name)) || (DATES as readonly string[]).includes(name),
    ),
  );
  return { type, fields, ...(typeof record.Id === 'string' ? { id: record.Id } : {}) };
}

/**
 * Seed lines: `{"type":"Account", ...fields}` (or `attributes.type`), or the generator's `{"system":"salesforce",
 * "type","record"}` lines (ids kept). Seeds may also set CreatedDate and LastModifiedDate (old data), and name a parent
 * by its external id as the API takes it (`"Account": {"External_Id__c": "..."}`, an Account seeded above). Seeding
 * produces no change events and no effects: it is the state the system had before the test.
 */
export function applySalesforceSeed(lines: unknown[], sim: SimContext<SalesforceState>): void {
  lines.forEach((line, index) => {
    const parsed = seedLine(line);
    if (!parsed) return;
    const { type: typeName, id } = parsed;
    const rest = { ...parsed.fields };
    if (typeof typeName !== 'string' || !isSObjectType(typeName)) {
      throw new ConfigError(`seed line ${index + 1}: "type" must be Account, Contact, Case or Order`);
    }
    if (id !== undefined && (!isValidId(id) || !id.startsWith(KEY_PREFIX[typeName]))) {
      throw new ConfigError(`seed line ${index + 1}: "${id}" is not a ${typeName} id`);
    }
    const dates = Object.fromEntries(
      DATES.filter((name) => typeof rest[name] === 'string').map((name) => [name, rest[name]]),
    );
    for (const name of DATES) delete rest[name];
    let values: ReturnType<typeof validateFields>;
    try {
      values = validateFields(sim.state, typeName, rest, 'create');
    } catch (error) {
      throw new ConfigError(
        `seed line ${index + 1}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const { record } = createRecord(sim.state, typeName, values, sim.state.uiUserId);
    if (id !== undefined) {
      const full = to18(id);
      if (full !== record.Id && sim.state.records[typeName][full])
        throw new ConfigError(`seed line ${index + 1}: id ${full} is seeded twice`);
      delete sim.state.records[typeName][record.Id];
      record.Id = full;
      sim.state.records[typeName][full] = record;
    }
    for (const [name, value] of Object.entries(dates)) {
      const time = new Date(String(value));
      if (Number.isNaN(time.getTime()))
        throw new ConfigError(`seed line ${index + 1}: ${name} is not a date`);
      record[name] = time.toISOString().replace('Z', '+0000');
    }
    if (dates.LastModifiedDate) record.SystemModstamp = record.LastModifiedDate ?? null;
  });
}
