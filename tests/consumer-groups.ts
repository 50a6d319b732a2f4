import { Kafka, logLevel } from 'kafkajs';
import { testStack } from './stack.ts';

/** The consumer groups the test cluster holds now (an operator's `kafka-consumer-groups.sh --list`). */
export async function consumerGroupIds(): Promise<string[]> {
  const kafka = new Kafka({
    clientId: 'test-groups',
    brokers: testStack().brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId);
  } finally {
    await admin.disconnect();
  }
}
