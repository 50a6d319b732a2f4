import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findJava } from '../stack/java.ts';
import { fetchJars } from '../stack/maven.ts';

/**
 * Kafka Connect standalone, the connectors benchmark's baseline: Apache Kafka's own connect-runtime and
 * connect-file jars with their runtime dependencies, from Maven Central into the stack's jar cache (once, as the
 * stack fetches Kafka), run as `ConnectStandalone` with one FileStreamSource connector and StringConverter: Connect's
 * cheapest pipeline, each line sent as it is, nothing parsed.
 *
 * Version: 4.3.1, one step below the broker's 4.4.0. The Maven mirror this project reaches serves connect-runtime
 * 4.4.0 but not connect-file 4.4.0, and connect-file 4.3.1 cannot run on 4.4's clients (4.4 moved AppInfoParser to
 * `common.utils.internals`: NoClassDefFoundError at connector start). 4.3.1 throughout is a released, consistent
 * Connect; a 4.3 client talks to a 4.4 broker as any supported client does.
 */
export const CONNECT_VERSION = '4.3.1';

export const CONNECT_ARTIFACTS = [
  { groupId: 'org.apache.kafka', artifactId: 'connect-runtime', version: CONNECT_VERSION },
  { groupId: 'org.apache.kafka', artifactId: 'connect-file', version: CONNECT_VERSION },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.25.5' },
];

export function fetchConnectJars(): Promise<string> {
  return fetchJars(`kafka-connect-${CONNECT_VERSION}`, CONNECT_ARTIFACTS);
}

export interface FileSourceRun {
  /** The Connect worker's process. */
  process: ChildProcess;
  /** Its log (stdout and stderr). */
  log: string;
  stop(): Promise<void>;
}

const log4j = [
  'status = warn',
  'appender.file.type = Console',
  'appender.file.name = OUT',
  'appender.file.layout.type = PatternLayout',
  'appender.file.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = warn',
  'rootLogger.appenderRef.file.ref = OUT',
  '',
].join('\n');

/**
 * Starts a standalone worker in `workDir` (its configs, offsets file and log go there) with a FileStreamSource
 * connector reading `file` into `topic`. The REST listener takes a free port on loopback.
 */
export async function startFileStreamSource(options: {
  brokers: string;
  file: string;
  topic: string;
  workDir: string;
  /** FileStreamSource's `batch.size`: lines per poll (Connect's default 2000). */
  batchSize?: number;
}): Promise<FileSourceRun> {
  const lib = await fetchConnectJars();
  const { workDir } = options;
  const worker = join(workDir, 'worker.properties');
  const connector = join(workDir, 'file-source.properties');
  const logConfig = join(workDir, 'log4j2.properties');
  writeFileSync(
    worker,
    [
      `bootstrap.servers=${options.brokers}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${join(workDir, 'connect.offsets')}`,
      'offset.flush.interval.ms=10000',
      'listeners=http://127.0.0.1:0',
      '',
    ].join('\n'),
  );
  writeFileSync(
    connector,
    [
      'name=bench-file-source',
      'connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector',
      'tasks.max=1',
      `file=${options.file}`,
      `topic=${options.topic}`,
      `batch.size=${options.batchSize ?? 2000}`,
      '',
    ].join('\n'),
  );
  writeFileSync(logConfig, log4j);
  const log = join(workDir, 'connect.log');
  const out = openSync(log, 'a');
  const child = spawn(
    findJava(17),
    [
      '-Xmx512m',
      `-Dlog4j2.configurationFile=${logConfig}`,
      '-cp',
      `${lib}/*`,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      worker,
      connector,
    ],
    { stdio: ['ignore', out, out] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
