import type { TransportAdmin } from './transport/types.ts';

/** Where a group starts on a partition it has no committed offset for (Kafka's `auto.offset.reset`). */
export type OffsetReset = 'latest' | 'earliest';

/** Per topic: where the group goes on from. `committed`: its own offsets on every partition. */
export interface GroupStart {
  topic: string;
  /** `active`: the group had a live member (another instance), whose own reset applies. */
  from: 'committed' | OffsetReset | 'active';
  /** The offsets committed now for the partitions that had none (the topic's end or its beginning). */
  pinned: Record<number, string>;
}

/**
 * Commits, for each partition of `topics` the group has no committed offset on, the topic's end (`latest`) or its
 * beginning (`earliest`), before a member joins: the start is then fixed at this moment (a record written between
 * the join and the consumer's first fetch is not skipped, as it can be with the client's own reset) and can be told
 * to the operator. A group with a live member cannot be moved: its members reset by themselves, and the topic is
 * reported `active`. The admin is connected.
 */
export async function pinGroupStart(
  admin: TransportAdmin,
  groupId: string,
  topics: string[],
  reset: OffsetReset,
): Promise<GroupStart[]> {
  const starts: GroupStart[] = [];
  for (const topic of topics) starts.push(await pinTopicStart(admin, groupId, topic, reset));
  return starts;
}

async function pinTopicStart(
  admin: TransportAdmin,
  groupId: string,
  topic: string,
  reset: OffsetReset,
  attempts = 5,
): Promise<GroupStart> {
  for (let attempt = 1; ; attempt++) {
    const committed = new Set(
      (await admin.groupOffsets(groupId, topic))
        .filter((o) => BigInt(o.offset) >= 0n)
        .map((o) => o.partition),
    );
    const missing = (await admin.topicOffsets(topic))
      .filter((p) => !committed.has(p.partition))
      .map((p) => ({ partition: p.partition, offset: reset === 'latest' ? p.high : p.low }));
    if (missing.length === 0) return { topic, from: 'committed', pinned: {} };
    try {
      await admin.setGroupOffsets(groupId, topic, missing);
    } catch (error) {
      const { state } = await admin.describeGroup(groupId);
      if (state !== 'Empty' && state !== 'Dead') return { topic, from: 'active', pinned: {} };
      // Refused while another instance starting at the same moment was pinning (its short-lived member was in the
      // group, and has left): read again what it committed, and pin what is still missing.
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      continue;
    }
    return { topic, from: reset, pinned: Object.fromEntries(missing.map((m) => [m.partition, m.offset])) };
  }
}
