import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaReachable } from '../bus/probes.ts';
import { createTransport, PLAINTEXT_SECURITY } from '../bus/transport/index.ts';
import { RetriableError } from '../lib/errors.ts';
import { findJava } from './java.ts';
import { fetchJars } from './maven.ts';
import { ensureDir, stackPaths } from './paths.ts';
import { isAlive, readyOrStopped, run, spawnDaemon, waitUntil } from './processes.ts';

/**
 * Apache Kafka 4.4 (the newest line; kafkajs 2.2.4 is tested against it by this project's suite), single node in
 * KRaft mode, from Apache Kafka's own jars on Maven Central.
 */
export const KAFKA_VERSION = '4.4.0';

const artifacts = [
  { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.25.5' },
];

/**
 * The broker's JVM: a fixed heap (kafka-server-start.sh's 1 GB, halved for a development machine) and ZGC. The JVM's
 * default collector, G1, stopped the broker for 12–30 ms every 1–4 s under 1,000 webhook requests/s (young
 * collections, with Kafka's own 20 ms pause goal as with the JVM's 200 ms), and each stop held every transaction in
 * flight: the hub's transactions of ≤ 2 ms took 16–32 ms then. ZGC does its work beside the broker's threads, with
 * pauses under a millisecond: in the same bench slow transactions became rare (0–3 of ~4,700 a round) and the Kafka
 * peer's p99 went from 19–24 ms to 12–16. Every JDK the stack accepts (17 and newer) has it.
 * The heap starts at 512 MB and may grow to kafka-server-start.sh's 1 GB: a development broker that has collected
 * some ten thousand partitions (test runs' topics over days) ran out of a fixed 512 MB heap and stopped.
 */
const KAFKA_JVM_OPTIONS = ['-Xms512m', '-Xmx1g', '-XX:+UseZGC', '-Djava.awt.headless=true'];

export interface KafkaPorts {
  broker: number;
  controller: number;
}

/**
 * A broker besides the stack's (a test's SASL_SSL broker): its own folder and heap, server.properties entries that
 * replace or add to the stack's (listeners, TLS, SASL), and more `kafka-storage format` arguments (`--add-scram`).
 */
export interface KafkaBrokerOptions {
  /** Folder for its data, config and log (default: the stack's `data/kafka`, `data/kafka-config`, `logs/`). */
  home?: string;
  properties?: Record<string, string>;
  /** Replace the stack's JVM options (heap, collector). */
  jvmOptions?: string[];
  formatArgs?: string[];
}

function serverProperties(
  dataDir: string,
  ports: KafkaPorts,
  overrides: Record<string, string> = {},
): string {
  const properties: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    listeners: `PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${ports.broker}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.quorum.bootstrap.servers': `127.0.0.1:${ports.controller}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': '3',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    // A restart after a crash waits for the old registration to expire: keep that short on a dev stack.
    'broker.session.timeout.ms': '2000',
    'broker.heartbeat.interval.ms': '500',
    'auto.create.topics.enable': 'false',
    ...overrides,
  };
  // java.util.Properties escapes: a PEM value (`ssl.keystore.certificate.chain`) is one line with \n in it.
  const escaped = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
  return `${Object.entries(properties)
    .map(([name, value]) => `${name}=${escaped(value)}`)
    .join('\n')}\n`;
}

const log4jConfig = [
  'status = warn',
  'appender.stderr.type = Console',
  'appender.stderr.name = STDERR',
  'appender.stderr.target = SYSTEM_ERR',
  'appender.stderr.layout.type = PatternLayout',
  'appender.stderr.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = warn',
  'rootLogger.appenderRef.stderr.ref = STDERR',
  '',
].join('\n');

/** Starts a broker (the stack's, unless `options` say otherwise); resolves once consumer groups work on its PLAINTEXT port. */
export async function startKafka(
  ports: KafkaPorts,
  options: KafkaBrokerOptions = {},
): Promise<{ pid: number; brokers: string }> {
  const lib = await fetchJars(`kafka-${KAFKA_VERSION}`, artifacts);
  const java = findJava(17);
  const { home } = options;
  const dataDir = ensureDir(home ? join(home, 'data') : stackPaths.data('kafka'));
  const configDir = ensureDir(home ? join(home, 'config') : stackPaths.data('kafka-config'));
  const properties = join(configDir, 'server.properties');
  const log4j = join(configDir, 'log4j2.properties');
  writeFileSync(properties, serverProperties(dataDir, ports, options.properties), { mode: 0o600 });
  writeFileSync(log4j, log4jConfig);
  const classpath = `${lib}/*`;
  const jvmOptions = options.jvmOptions ?? KAFKA_JVM_OPTIONS;
  const jvm = [...jvmOptions, `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath];
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    // Cluster id: 16 random bytes, base64url, not starting with '-' (the storage tool would read it as a flag).
    let clusterId = randomBytes(16).toString('base64url').slice(0, 22);
    if (clusterId.startsWith('-')) clusterId = `A${clusterId.slice(1)}`;
    await run(java, [
      ...jvm,
      'kafka.tools.StorageTool',
      'format',
      '--standalone',
      '-t',
      clusterId,
      '-c',
      properties,
      ...(options.formatArgs ?? []),
    ]);
  }
  const pid = spawnDaemon(java, [...jvm, 'kafka.Kafka', properties], {
    logFile: join(home ?? ensureDir(stackPaths.logs()), 'kafka.log'),
  });
  const brokers = `127.0.0.1:${ports.broker}`;
  const start = kafkaStartTimeout(kafkaDataState(dataDir));
  const logFile = join(home ?? stackPaths.logs(), 'kafka.log');
  await readyOrStopped(pid, async () => {
    try {
      // The broker's PLAINTEXT listener, whatever EAI_KAFKA_SECURITY_PROTOCOL says of the cluster the hub uses.
      await waitUntil('kafka', () => kafkaReachable(brokers, PLAINTEXT_SECURITY), {
        timeoutMs: start.timeoutMs,
        alive: () => isAlive(pid),
      });
      // A fresh broker answers metadata requests before its group coordinator (__consumer_offsets) is ready;
      // consumers that join in that window fail. Ready means consumer groups work.
      await waitUntil('kafka group coordinator', () => groupCoordinatorReady(brokers), {
        timeoutMs: start.timeoutMs,
        alive: () => isAlive(pid),
      });
    } catch (error) {
      throw new RetriableError(
        `${error instanceof Error ? error.message : String(error)} (${start.why}; its log: ${logFile}): ` +
          'see there why, or free the machine and run npx eai stack up again',
        { cause: error },
      );
    }
  });
  return { pid, brokers };
}

/** What a broker's data folder holds: its partition folders, and whether it was stopped cleanly (`.kafka_cleanshutdown`). */
export function kafkaDataState(dataDir: string): { partitions: number; cleanShutdown: boolean } {
  let partitions = 0;
  try {
    for (const entry of readdirSync(dataDir, { withFileTypes: true }))
      if (entry.isDirectory() && /-\d+$/.test(entry.name)) partitions++;
  } catch {
    // No data yet: a fresh broker.
  }
  return { partitions, cleanShutdown: existsSync(join(dataDir, '.kafka_cleanshutdown')) };
}

/**
 * How long a broker may take to answer: a minute, and more with each partition folder it must load, more again when
 * it was not stopped cleanly (it recovers each log). A development broker collects test topics over days; one killed
 * with 5,000 partition folders was still recovering them after a minute on two busy cores, and being stopped then,
 * began again at the next start and never came up (it took 2 min 50 s once waited for).
 */
export function kafkaStartTimeout(data: { partitions: number; cleanShutdown: boolean }): {
  timeoutMs: number;
  why: string;
} {
  const recovering = data.partitions > 0 && !data.cleanShutdown;
  const timeoutMs = Math.min(60_000 + data.partitions * (recovering ? 60 : 15), 15 * 60_000);
  const why = recovering
    ? `${data.partitions} partition folders to recover after an unclean stop`
    : `${data.partitions} partition folders to load`;
  return { timeoutMs, why };
}

export async function groupCoordinatorReady(brokers: string): Promise<boolean> {
  const admin = createTransport({
    brokers: brokers.split(','),
    clientId: 'eai-probe',
    quiet: true,
    security: PLAINTEXT_SECURITY,
  }).admin();
  try {
    await admin.connect();
    // Loads the cluster metadata first: without retries, kafkajs cannot find the coordinator otherwise.
    await admin.describeCluster();
    await admin.describeGroup('eai-readiness-probe');
    return true;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
