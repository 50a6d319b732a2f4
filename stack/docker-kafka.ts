import { existsSync } from 'node:fs';
import { ConfigError } from '../lib/errors.ts';
import { findJava } from './java.ts';
import { KAFKA_VERSION } from './kafka.ts';
import { run } from './processes.ts';

/**
 * Where the local broker comes from. `jars`: Apache Kafka's own jars from Maven Central on the machine's JDK (what
 * CI uses). `docker`: the official apache/kafka image through testcontainers, for machines with Docker but no JDK.
 * `auto` prefers the jars. Only the broker has a Docker path; the registry and database keep theirs.
 */
export type KafkaProvider = 'jars' | 'docker';

export function chooseKafkaProvider(
  setting: 'auto' | KafkaProvider,
  has: { jdk: boolean; maven: boolean; docker: boolean },
): KafkaProvider {
  if (setting !== 'auto') return setting;
  if (has.jdk && has.maven) return 'jars';
  if (has.docker) return 'docker';
  throw new ConfigError(
    'no way to start Kafka here: install JDK 17+ and Maven, or run Docker, or set KAFKA_BROKERS to an existing cluster',
  );
}

export async function detectKafkaProviders(): Promise<{ jdk: boolean; maven: boolean; docker: boolean }> {
  let jdk = true;
  try {
    findJava(17);
  } catch {
    jdk = false;
  }
  const maven = await run('mvn', ['--version']).then(
    () => true,
    () => false,
  );
  const docker = !!process.env.DOCKER_HOST || existsSync('/var/run/docker.sock');
  return { jdk, maven, docker };
}

/** Single-node KRaft broker in a container, advertised on the same loopback port the jar-based broker uses. */
export async function startKafkaContainer(port: number): Promise<{ brokers: string; containerId: string }> {
  // The container must outlive `eai stack up`; testcontainers' reaper would remove it when this process exits.
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const { GenericContainer, Wait } = await import('testcontainers').catch((error: { code?: string }) => {
    // A production install (npm ci --omit=dev) has no development tools: the local stack is one.
    if (error.code === 'ERR_MODULE_NOT_FOUND')
      throw new ConfigError(
        "the local stack's Docker path needs the development install (testcontainers): run `npm install` in the repository, or point KAFKA_BROKERS at a broker",
      );
    throw error;
  });
  const container = await new GenericContainer(`apache/kafka:${KAFKA_VERSION}`)
    .withExposedPorts({ container: 9092, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  return { brokers: `127.0.0.1:${port}`, containerId: container.getId() };
}

export async function stopKafkaContainer(containerId: string): Promise<void> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  await client.container.getById(containerId).remove({ force: true });
}
