import type { TransportAdmin } from './transport/types.ts';

/**
 * Records of `topic` a consumer group has not handled yet, per partition (those with any): the partition's end minus
 * the group's committed offset, or minus its start when the group has committed nothing there. The admin is connected.
 */
export async function groupBacklog(
  admin: TransportAdmin,
  group: string,
  topic: string,
): Promise<Map<number, number>> {
  const ends = await admin.topicOffsets(topic);
  const committed = new Map((await admin.groupOffsets(group, topic)).map((o) => [o.partition, o.offset]));
  const behind = new Map<number, number>();
  for (const end of ends) {
    const at = BigInt(committed.get(end.partition) ?? '-1');
    const records = Number(BigInt(end.high) - (at < 0n ? BigInt(end.low) : at));
    if (records > 0) behind.set(end.partition, records);
  }
  return behind;
}
