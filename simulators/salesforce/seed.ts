import { ConfigError } from '../../lib/errors.ts';
import type { SimContext } from '../common/types.ts';
import { createRecord, findByExternalId } from './records.ts';
import { isSObjectType } from './schema.ts';
import type { SalesforceState } from './state.ts';
import { validateFields } from './validate.ts';

const DATES = ['CreatedDate', 'LastModifiedDate'] as const;

/**
 * Seed lines: `{"type":"Account", ...fields}` (or `attributes.type`). Seeds may also set CreatedDate and
 * LastModifiedDate (old data), and a Contact may name its account by `"Account": {"External_Id__c": "..."}`.
 * Seeding produces no change events and no effects: it is the state the system had before the test.
 */
export function applySalesforceSeed(lines: unknown[], sim: SimContext<SalesforceState>): void {
  lines.forEach((line, index) => {
    const { type, attributes, Account, ...rest } = (line ?? {}) as Record<string, unknown>;
    const typeName = type ?? (attributes as { type?: unknown } | undefined)?.type;
    if (typeof typeName !== 'string' || !isSObjectType(typeName)) {
      throw new ConfigError(`seed line ${index + 1}: "type" must be Account, Contact or Case`);
    }
    const dates = Object.fromEntries(
      DATES.filter((name) => typeof rest[name] === 'string').map((name) => [name, rest[name]]),
    );
    for (const name of DATES) delete rest[name];
    if (Account && typeof Account === 'object') {
      const externalId = (Account as Record<string, unknown>).External_Id__c;
      const account = findByExternalId(sim.state, 'Account', 'External_Id__c', String(externalId))[0];
      if (!account)
        throw new ConfigError(
          `seed line ${index + 1}: no Account with External_Id__c ${String(externalId)} above it`,
        );
      rest.AccountId = account.Id;
    }
    let values: ReturnType<typeof validateFields>;
    try {
      values = validateFields(sim.state, typeName, rest, 'create');
    } catch (error) {
      throw new ConfigError(
        `seed line ${index + 1}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const { record } = createRecord(sim.state, typeName, values, sim.state.uiUserId);
    for (const [name, value] of Object.entries(dates)) {
      const time = new Date(String(value));
      if (Number.isNaN(time.getTime()))
        throw new ConfigError(`seed line ${index + 1}: ${name} is not a date`);
      record[name] = time.toISOString().replace('Z', '+0000');
    }
    if (dates.LastModifiedDate) record.SystemModstamp = record.LastModifiedDate ?? null;
  });
}
