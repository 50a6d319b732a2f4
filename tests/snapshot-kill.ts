// The kill -9 case of a connector's initial snapshot, shared by the Salesforce and HubSpot snapshot specs: a worker
// process snapshots until two pages are committed, is SIGKILLed, and a second one in the same group finishes it.
import type { Logger } from 'pino';
import { type Bus, CompactedLog, connectTopicSpecs, connectTopics } from '../bus/index.ts';
import { ASSIGNMENT_SLOTS } from '../connectors/runtime/runtime.ts';
import { positionKey } from '../connectors/runtime/source-host.ts';
import { readToEnd, tally } from './read-to-end.ts';
import { testStack, unique } from './stack.ts';
import { waitFor } from './wait-for.ts';
import { startWorker, type WorkerProcess } from './worker-process.ts';

export interface SnapshotPosition {
  pages: number;
  records: number;
  done?: boolean;
}

export interface SnapshotKill {
  /** Figures and test name of the JSON line it prints. */
  label: string;
  bus: Bus;
  logger: Logger;
  /** The connector definition, given its (unique) name. */
  connector: (name: string) => unknown;
  topic: string;
  /** The keys every record of the snapshot must be published under, once each. */
  keys: string[];
  /** The CloudEvents type of the snapshot's records. */
  recordType: string;
  /** Started workers go here, for the spec's afterEach to kill. */
  workers: WorkerProcess[];
}

/** Runs the case; returns the position at the kill, the position at the end, and the tally of the keys. */
export async function snapshotKilledAndResumed(spec: SnapshotKill) {
  const group = unique(`connect-${spec.label}`);
  await spec.bus.provisionTopics(connectTopicSpecs(group, ASSIGNMENT_SLOTS));
  const offsets = new CompactedLog(spec.bus.transport, connectTopics(group).offsets, spec.logger);
  await offsets.start();
  const name = unique(spec.label);
  const position = () => {
    const text = offsets.get(positionKey(name, 'snapshot'));
    return text ? (JSON.parse(text) as SnapshotPosition) : undefined;
  };
  try {
    const worker = { ...testStack(), group, connectors: [spec.connector(name)] };
    const first = await startWorker({ ...worker, workerId: `${spec.label}-a` });
    spec.workers.push(first);
    await waitFor('two pages committed', () => (position()?.pages ?? 0) >= 2, 60_000);
    await first.kill();
    const killedAt = position()!;
    spec.workers.push(await startWorker({ ...worker, workerId: `${spec.label}-b` }));
    await waitFor('the snapshot done', () => position()?.done === true, 90_000);
    const records = await readToEnd(spec.topic, (m) => m.headers.ce_type === spec.recordType);
    const counted = tally(
      spec.keys,
      records.map((m) => m.key),
    );
    console.info(
      JSON.stringify({
        test: `${spec.label} kill -9`,
        records: spec.keys.length,
        killedAtPages: killedAt.pages,
        published: records.length,
        lost: counted.lost.length,
        duplicated: counted.duplicated.length,
      }),
    );
    return { killedAt, end: position(), counted };
  } finally {
    await offsets.stop();
  }
}
