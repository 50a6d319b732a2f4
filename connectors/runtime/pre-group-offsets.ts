import { type Bus, DEFAULT_CONNECT_GROUP } from '../../bus/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { sinkGroupId } from './connector-ids.ts';

/**
 * The consumer group a sink of any connect group committed in before a connector's Kafka ids carried its group
 * (connector-ids.ts): `eai-sink-<name>`, the default group's id still.
 */
export function preGroupSinkGroupId(name: string): string {
  return `eai-sink-${name}`;
}

/**
 * A hub upgraded from a version whose sinks outside the default connect group committed in `eai-sink-<name>` finds
 * their own groups (`eai-sink-<group>/<name>`) empty, and each sink started at the beginning of its topics again: in
 * the upgrade trial every ORDRSP went to SAP a second time, under new file names (the idempotency keys carry the group
 * now too). So a sink outside the default group whose own group has no committed offset on any of its topics takes the
 * old group's offsets, when that group has some and no live member (a live one is the default group's sink of that
 * name, running now); partitions the old group has none for start as `startAt` says. The old group is left as it is
 * (the default group may run a sink of that name). Returns the offsets taken, by topic.
 */
export async function takeOverPreGroupOffsets(options: {
  bus: Bus;
  name: string;
  group: string;
  topics: readonly string[];
  logger: Logger;
}): Promise<Record<string, Array<{ partition: number; offset: string }>>> {
  const { bus, group } = options;
  if (group === DEFAULT_CONNECT_GROUP) return {};
  const admin = bus.transport.admin();
  await admin.connect();
  try {
    return await takeOver(admin, options);
  } finally {
    await admin.disconnect();
  }
}

async function takeOver(
  admin: ReturnType<Bus['transport']['admin']>,
  options: { name: string; group: string; topics: readonly string[]; logger: Logger },
): Promise<Record<string, Array<{ partition: number; offset: string }>>> {
  const { name, group, topics, logger } = options;
  const taken: Record<string, Array<{ partition: number; offset: string }>> = {};
  const old = preGroupSinkGroupId(name);
  if (!(await admin.listGroups()).includes(old)) return taken;
  const own = sinkGroupId(name, group);
  const committed = async (groupId: string, topic: string) =>
    (await admin.groupOffsets(groupId, topic)).filter((o) => BigInt(o.offset) >= 0n);
  for (const topic of topics) if ((await committed(own, topic)).length > 0) return taken;
  const { state } = await admin.describeGroup(old);
  if (state !== 'Empty') {
    logger.warn(
      { group: own, preGroupId: old, state },
      `sink group had no committed offsets; ${old}, where versions before connect groups owned their ids committed, has a live member (the default group's sink of this name): not taken over, the sink starts as startAt says`,
    );
    return taken;
  }
  for (const topic of topics) {
    const offsets = await committed(old, topic);
    if (offsets.length === 0) continue;
    await admin.setGroupOffsets(own, topic, offsets);
    taken[topic] = offsets;
  }
  if (Object.keys(taken).length > 0)
    logger.warn(
      { group: own, preGroupId: old, offsets: taken },
      `sink group had no committed offsets: took over those of ${old}, where versions before connect groups owned their ids committed (an upgraded hub resumes instead of applying every record again)`,
    );
  return taken;
}
