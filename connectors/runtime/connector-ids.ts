import { DEFAULT_CONNECT_GROUP } from '../../bus/index.ts';

/**
 * What names a connector outside its connect group. A name is unique within one group only: two groups on one Kafka
 * (`eai up --group team-b`) may each run `orders`. Everything keyed by the name alone was shared by them: a source's
 * transactional id (the second group's producer fenced the first's, whose next batch then failed with "old epoch"),
 * a sink's consumer group (the two sinks split the partitions and moved each other's offsets), the owner of its dead
 * letters (a hub remapped the other group's letters), its receipts' ids and its records' idempotency keys (the other
 * group's were taken for duplicates). So outside the default group the name carries the group, `<group>/<name>`: "/"
 * is in neither a group's nor a connector's name, so no two pairs give one key (a "." or "-" would: group `a`, name
 * `b.c` and group `a.b`, name `c`). The default group (`eai-connect`) keeps the bare name, so that a hub upgraded keeps
 * its sinks' committed offsets and takes its sources' transactional ids over.
 */
export function connectorKey(name: string, group: string): string {
  return group === DEFAULT_CONNECT_GROUP ? name : `${group}/${name}`;
}

/**
 * A sink record's idempotency key (SinkRecord.idempotencyKey): `<connector>:<ce_id>`, `<group>/<connector>:<ce_id>`
 * outside the default group; `id` is the record's CloudEvents id, or `<topic>/<partition>/<offset>` for one without.
 * A file sink's file names are made from it (transports/keyed-files.ts keyedFileName).
 */
export function sinkIdempotencyKey(name: string, group: string, id: string): string {
  return `${connectorKey(name, group)}:${id}`;
}

/** A sink connector's consumer group: `eai-sink-<name>`, or `eai-sink-<group>/<name>` outside the default group. */
export function sinkGroupId(name: string, group: string): string {
  return `eai-sink-${connectorKey(name, group)}`;
}

/**
 * The transactional ids of a source connector: `eai-source-<name>` (`eai-source-<group>/<name>` outside the default
 * group), then `…#2`… for a source that polls ahead.
 */
export function sourceTransactionalIds(name: string, group: string, count: number): string[] {
  const key = connectorKey(name, group);
  return Array.from({ length: count }, (_, i) => `eai-source-${key}${i === 0 ? '' : `#${i + 1}`}`);
}

/**
 * The owners a name stands for in a dead-letter filter: itself (a consumer group, or a connector as it signs), and
 * the connector of that name in `group`: a source's mapping step signs its letters with its key, a sink's consumer
 * group signs the sink's. A name given as `<group>/<name>` is that group's connector, whatever `group` says.
 */
export function deadLetterOwners(name: string, group: string): string[] {
  const key = name.includes('/') ? name : connectorKey(name, group);
  return [...new Set([name, key, `eai-sink-${key}`])];
}

/**
 * The connector of `group` that a mapping dead letter's owner names, or undefined when the letter is another group's
 * (a bare name outside the default group is the default group's connector, or one written before names carried it).
 */
export function connectorOfOwner(owner: string, group: string): string | undefined {
  const slash = owner.indexOf('/');
  if (slash === -1) return group === DEFAULT_CONNECT_GROUP ? owner : undefined;
  return owner.slice(0, slash) === group ? owner.slice(slash + 1) : undefined;
}

/** The types of connectors/generic/, which talk to whatever system their file names: none is a system itself. */
const GENERIC_TYPES = new Set(['file-source', 'webhook-source', 'file-sink', 'http-sink']);

/**
 * The system a connector talks to: the first word of its type (`salesforce-upsert-sink` → salesforce); a generic
 * type's by the connector's name (two `http-sink`s to a WMS and a partner were one system `http` in sync health, each
 * one's failure shown as the other's). What sync health groups connectors by, and what a source's mapping dead
 * letters name (`eai.connector.system`).
 */
export function systemOfConnector(type: string, name: string): string {
  if (GENERIC_TYPES.has(type)) return name;
  return type.split('-')[0] ?? type;
}
