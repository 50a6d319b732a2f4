import { ConfigError } from '../../lib/errors.ts';
import type { SimContext } from '../common/types.ts';
import { indexContact } from './contacts.ts';
import { COMPANY_TYPE, CONTACT_TYPE } from './object-types.ts';
import type { Contact, HubSpotState } from './state.ts';

/** Seed values may be null (unset); HubSpot stores strings and drops empty ones. */
function storedProperties(input: unknown): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries((input ?? {}) as Record<string, unknown>)) {
    if (value === null || value === undefined || value === '') continue;
    properties[name] = String(value);
  }
  return properties;
}

/**
 * Seed lines: the generator's `{"system":"hubspot","type":"contact","record":{id, properties, createdAt,
 * updatedAt, archived}}` (lines of other systems are skipped, so one file seeds all simulators) or the
 * bare record, a contact; `"type":"company"` seeds a company (its `hs_lastmodifieddate` stamped, as HubSpot's).
 * Seeding produces no webhooks and no effects: it is the state before the test.
 */
export function applyHubSpotSeed(lines: unknown[], sim: SimContext<HubSpotState>): void {
  const state = sim.state;
  lines.forEach((line, index) => {
    const wrapped = (line ?? {}) as Record<string, unknown>;
    if (typeof wrapped.system === 'string' && wrapped.system !== 'hubspot') return;
    const record = (wrapped.record ?? wrapped) as Record<string, unknown>;
    const type = wrapped.record !== undefined && wrapped.type === 'company' ? COMPANY_TYPE : CONTACT_TYPE;
    const id = String(record.id ?? '');
    if (!/^\d+$/.test(id))
      throw new ConfigError(`seed line ${index + 1}: a ${type.singular} needs a numeric "id"`);
    const properties = storedProperties(record.properties);
    const createdAt = String(record.createdAt ?? properties.createdate ?? new Date().toISOString());
    const updatedAt = String(record.updatedAt ?? properties[type.modifiedProperty] ?? createdAt);
    if (Number.isNaN(Date.parse(createdAt)) || Number.isNaN(Date.parse(updatedAt))) {
      throw new ConfigError(`seed line ${index + 1}: createdAt/updatedAt are not dates`);
    }
    if (properties.email && type === CONTACT_TYPE) properties.email = properties.email.toLowerCase();
    properties.hs_object_id = id;
    properties.createdate = createdAt;
    properties[type.modifiedProperty] = updatedAt;
    const history: Contact['history'] = {};
    for (const [name, value] of Object.entries(properties)) {
      history[name] = [{ value, timestamp: updatedAt, sourceType: 'IMPORT' }];
    }
    const contact: Contact = {
      id,
      properties,
      history,
      createdAt,
      updatedAt,
      archived: record.archived === true,
    };
    type.records(state)[id] = contact;
    indexContact(contact);
    state.lastId = Math.max(state.lastId, Number(id));
  });
}
