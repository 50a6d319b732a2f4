// The raw kafkajs producer loop the bus benchmark compares against. Run as a script it measures kafkajs exactly as
// published (this process never loads the bus, so kafkajs keeps its own record encoder) and prints records/s.
import { parseArgs } from 'node:util';
import { type ICustomPartitioner, Kafka, logLevel, Partitioners } from 'kafkajs';

export interface RawRun {
  brokers: string;
  topic: string;
  records: number;
  batch: number;
  recordBytes: number;
  headers?: Record<string, Buffer | string>;
  /** kafkajs's DefaultPartitioner unless given (the bus passes its own, which picks the same partitions). */
  createPartitioner?: ICustomPartitioner;
  progress?: (done: number) => void;
}

export async function rawKafkajsRate(run: RawRun): Promise<number> {
  const kafka = new Kafka({
    brokers: run.brokers.split(','),
    clientId: 'bench-raw',
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: run.createPartitioner ?? Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const value = Buffer.alloc(run.recordBytes, 7);
  const started = performance.now();
  for (let sent = 0; sent < run.records; sent += run.batch) {
    const messages = Array.from({ length: run.batch }, (_, i) => ({
      key: `sap:${sent + i}`,
      value,
      headers: run.headers,
    }));
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: run.topic, messages }] });
    run.progress?.(sent + run.batch);
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return run.records / seconds;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string' },
      topic: { type: 'string' },
      records: { type: 'string' },
      batch: { type: 'string' },
      'record-bytes': { type: 'string' },
    },
  });
  const rate = await rawKafkajsRate({
    brokers: values.brokers!,
    topic: values.topic!,
    records: Number(values.records),
    batch: Number(values.batch),
    recordBytes: Number(values['record-bytes']),
  });
  process.stdout.write(`${JSON.stringify({ recordsPerSecond: rate })}\n`);
}
