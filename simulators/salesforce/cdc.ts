import { randomUUID } from 'node:crypto';
import type { SimContext } from '../common/types.ts';
import { withHiddenContacts } from './person-accounts.ts';
import type { RecordChange } from './records.ts';
import { SOBJECTS, type SObjectType } from './schema.ts';
import type { ChangeEventEnvelope, SalesforceState, SfRecord } from './state.ts';

/** Who made a change: the user and the changeOrigin header value ("" for UI edits). */
export interface WriteActor {
  userId: string;
  changeOrigin: string;
}

export const CDC_CHANNELS = [
  '/data/ChangeEvents',
  '/data/AccountChangeEvent',
  '/data/ContactChangeEvent',
  '/data/CaseChangeEvent',
  '/data/OrderChangeEvent',
];
const KEPT_EVENTS = 1000;
/** Salesforce's empty record id, the only entry of an overflow event's recordIds. */
export const EMPTY_RECORD_ID = '000000000000000AAA';
/** Fields that never appear in a change event body (Id is in recordIds; Contact.Name is the compound). */
const NOT_IN_EVENT = new Set(['Id', 'IsDeleted', 'SystemModstamp']);
const SCHEMA_IDS: Record<SObjectType, string> = {
  Account: 'mI5tG2pL9xQ0Rk4vJ8sWnA',
  Contact: 'Zb3rY7uE1cV6oH2dF9kTqw',
  Case: 'Qd8nK2wT5yL1pB7xM4cGhe',
  Order: 'Vx6pC3nR8hJ2wQ5tB1mYfs',
};

/** Pub/Sub API values: datetimes and dates as epoch milliseconds, the rest as is. */
function eventValue(type: SObjectType, field: string, value: unknown): unknown {
  const kind = SOBJECTS[type][field]?.type;
  if (typeof value === 'string' && (kind === 'datetime' || kind === 'date')) {
    return Date.parse(kind === 'datetime' ? value.replace('+0000', 'Z') : `${value}T00:00:00Z`);
  }
  return value;
}

function eventPath(type: SObjectType, field: string): string {
  const compound = SOBJECTS[type][field]?.compound;
  return compound ? `${compound[0]}.${compound[1]}` : field;
}

/**
 * Contact's Name is its compound of name parts; so is a person account's, whose event holds neither its Name text
 * nor IsPersonAccount (nor does its hidden Contact's), while a business account's holds its Name and not the name
 * parts.
 */
function inEvent(type: SObjectType, record: SfRecord, name: string): boolean {
  if (name === 'IsPersonAccount') return false;
  if (type === 'Contact') return name !== 'Name';
  if (type !== 'Account') return true;
  const compoundName = SOBJECTS.Account[name]?.compound?.[0] === 'Name';
  return record.IsPersonAccount === true ? name !== 'Name' : !compoundName;
}

/** The body fields: every field null except `included`, compound fields nested as the event schema nests them. */
function eventFields(type: SObjectType, record: SfRecord, included: Set<string>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(SOBJECTS[type])) {
    if (NOT_IN_EVENT.has(name) || !inEvent(type, record, name)) continue;
    const value = included.has(name) ? eventValue(type, name, record[name]) : null;
    if (def.compound) {
      const [compound, part] = def.compound;
      const existing = (fields[compound] as Record<string, unknown> | null | undefined) ?? {};
      existing[part] = value;
      fields[compound] = existing;
    } else {
      fields[name] = value;
    }
  }
  // A compound field with no value in it is null as a whole.
  for (const [name, value] of Object.entries(fields)) {
    if (value && typeof value === 'object' && Object.values(value).every((v) => v === null))
      fields[name] = null;
  }
  return fields;
}

function fullEvent(change: RecordChange, header: Record<string, unknown>): Record<string, unknown> {
  const { type, record } = change;
  let included: string[] = [];
  let changedFields: string[] = [];
  let nulledFields: string[] = [];
  // An undeleted record's event carries every field that has a value, as a created one's does (CDC Developer Guide).
  if (change.changeType === 'CREATE' || change.changeType === 'UNDELETE') {
    included = Object.keys(record).filter((name) => record[name] !== null);
  } else if (change.changeType === 'UPDATE') {
    const changed = [...change.changed.filter((name) => name !== 'LastModifiedDate'), 'LastModifiedDate'];
    included = changed.filter((name) => record[name] !== null);
    changedFields = changed.map((name) => eventPath(type, name));
    nulledFields = change.changed
      .filter((name) => record[name] === null)
      .map((name) => eventPath(type, name));
  }
  return {
    ChangeEventHeader: {
      ...header,
      changeType: change.changeType,
      changedFields,
      nulledFields,
      diffFields: [],
    },
    ...eventFields(type, record, new Set(included)),
  };
}

function gapEvent(change: RecordChange, header: Record<string, unknown>): Record<string, unknown> {
  return {
    ChangeEventHeader: {
      ...header,
      changeType: `GAP_${change.changeType}`,
      changedFields: [],
      nulledFields: [],
      diffFields: [],
    },
    ...eventFields(change.type, change.record, new Set()),
  };
}

/**
 * Turns the changes of one transaction (one API call or UI save), with those the platform makes with them (a person
 * account's hidden Contact), into change events, stores them and posts them to subscribers. In gap mode each change becomes a header-only GAP_ event; in overflow mode
 * the transaction becomes one GAP_OVERFLOW event per entity.
 */
export function publishChanges(
  sim: SimContext<SalesforceState>,
  requested: RecordChange[],
  actor: WriteActor,
): void {
  if (requested.length === 0) return;
  const changes = withHiddenContacts(sim.state, requested);
  const cdc = sim.state.cdc;
  cdc.commitNumber = (BigInt(cdc.commitNumber) + 1n).toString();
  const transaction = {
    transactionKey: randomUUID(),
    commitTimestamp: Date.now(),
    commitNumber: cdc.commitNumber,
    commitUser: actor.userId,
    changeOrigin: actor.changeOrigin,
  };
  const headerOf = (change: RecordChange, sequenceNumber: number, recordIds: string[]) => ({
    entityName: change.type,
    recordIds,
    changeType: change.changeType,
    changeOrigin: transaction.changeOrigin,
    transactionKey: transaction.transactionKey,
    sequenceNumber,
    commitTimestamp: transaction.commitTimestamp,
    commitNumber: transaction.commitNumber,
    commitUser: transaction.commitUser,
  });
  const payloads: Array<{ type: SObjectType; payload: Record<string, unknown> }> = [];
  if (cdc.mode === 'overflow') {
    // Salesforce's overflow event: header only, changeType GAP_OVERFLOW, the entity, the transaction's commit time, and
    // in recordIds only the empty record id (CDC Developer Guide, "Overflow Events").
    const types = [...new Set(changes.map((change) => change.type))];
    types.forEach((type, index) => {
      const first = changes.find((change) => change.type === type)!;
      const payload = gapEvent(first, headerOf(first, index + 1, [EMPTY_RECORD_ID]));
      (payload.ChangeEventHeader as Record<string, unknown>).changeType = 'GAP_OVERFLOW';
      payloads.push({ type, payload });
    });
  } else {
    changes.forEach((change, index) => {
      const header = headerOf(change, index + 1, [change.record.Id]);
      payloads.push({
        type: change.type,
        payload: cdc.mode === 'gap' ? gapEvent(change, header) : fullEvent(change, header),
      });
    });
  }
  for (const { type, payload } of payloads) {
    cdc.replayId++;
    const envelope: ChangeEventEnvelope = {
      channel: `/data/${type}ChangeEvent`,
      replayId: String(cdc.replayId),
      schemaId: SCHEMA_IDS[type],
      payload,
    };
    cdc.events.push(envelope);
    if (cdc.events.length > KEPT_EVENTS) cdc.events.splice(0, cdc.events.length - KEPT_EVENTS);
    sim.webhooks.publish(['/data/ChangeEvents', envelope.channel], envelope);
  }
  sim.markDirty();
}
