import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { kafkaReachable, registryReachable } from '../bus/probes.ts';
import { NO_REGISTRY_AUTH } from '../bus/registry-auth.ts';
import { PLAINTEXT_SECURITY } from '../bus/transport/index.ts';
import { postgresReachable } from '../store/probe.ts';
import {
  chooseKafkaProvider,
  detectKafkaProviders,
  startKafkaContainer,
  stopKafkaContainer,
} from './docker-kafka.ts';
import { startKafka } from './kafka.ts';
import { ensureDir, stackHome, stackPaths } from './paths.ts';
import { postgresBinDir, postgresPid, startPostgres, stopPostgres } from './postgres.ts';
import { checkPorts, checkPostgresCanReach, portHolder } from './preflight.ts';
import { isAlive, stopProcess } from './processes.ts';
import { startRegistry } from './registry.ts';
import { readStackEnv, type StackEnv } from './settings.ts';

/** Where the running stack's parts are; written to `.eai/stack.json` (mode 0600: it holds the local db password). */
export interface StackState {
  brokers: string;
  registryUrl: string;
  databaseUrl: string;
  /** Processes this stack started; parts given by environment variables have none. */
  pids: { kafka?: number; registry?: number; postgres?: number };
  /** The broker's container when it runs in Docker (EAI_KAFKA_PROVIDER). */
  kafkaContainer?: string;
  postgresPassword?: string;
  startedAt: string;
}

export interface StackStatus {
  brokers: string;
  registryUrl: string;
  databaseUrl: string;
  running: boolean;
  parts: { kafka: boolean; registry: boolean; postgres: boolean };
  /** Process ids of the parts this stack started that are alive; null for parts given by environment or gone. */
  pids: { kafka: number | null; registry: number | null; postgres: number | null };
}

export function readState(): StackState | undefined {
  const file = stackPaths.stateFile();
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StackState;
}

function writeState(state: StackState): void {
  ensureDir(stackHome());
  writeFileSync(stackPaths.stateFile(), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

async function probe(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

/** A part's process id from the state file, when the environment does not point elsewhere and it is alive. */
function livePid(external: string | undefined, pid: number | undefined): number | null {
  return !external && pid && isAlive(pid) ? pid : null;
}

export async function stackStatus(): Promise<StackStatus> {
  const env = readStackEnv();
  const state = readState();
  const brokers = env.KAFKA_BROKERS ?? state?.brokers ?? `127.0.0.1:${env.EAI_KAFKA_PORT}`;
  const registryUrl =
    env.SCHEMA_REGISTRY_URL ??
    state?.registryUrl ??
    `http://127.0.0.1:${env.EAI_REGISTRY_PORT}/apis/ccompat/v7`;
  const databaseUrl = env.DATABASE_URL ?? state?.databaseUrl ?? '';
  // The stack's own broker and registry are plaintext and open whatever the hub's security settings say (those are
  // for the company's Kafka and registry, given by KAFKA_BROKERS and SCHEMA_REGISTRY_URL).
  const [kafka, registry, postgres] = await Promise.all([
    probe(() => kafkaReachable(brokers, env.KAFKA_BROKERS ? undefined : PLAINTEXT_SECURITY)),
    probe(() => registryReachable(registryUrl, env.SCHEMA_REGISTRY_URL ? undefined : NO_REGISTRY_AUTH)),
    databaseUrl ? probe(() => postgresReachable(databaseUrl)) : Promise.resolve(false),
  ]);
  return {
    brokers,
    registryUrl,
    databaseUrl,
    running: kafka && registry && postgres,
    parts: { kafka, registry, postgres },
    pids: {
      kafka: livePid(env.KAFKA_BROKERS, state?.pids.kafka),
      registry: livePid(env.SCHEMA_REGISTRY_URL, state?.pids.registry),
      postgres: livePid(env.DATABASE_URL, state?.pids.postgres),
    },
  };
}

/**
 * Starts what is not given by environment variables and not already running: PostgreSQL first (the registry keeps
 * its schemas there), then Kafka and the registry side by side. Idempotent: a running stack is reused.
 */
export async function stackUp(progress: (line: string) => void = () => undefined): Promise<StackState> {
  const env = readStackEnv();
  const previous = readState();
  const pids: StackState['pids'] = {};
  let postgresPassword = previous?.postgresPassword;

  // What is running already and is reused; the rest is started, once the checks below pass.
  const [reusePostgres, reuseKafka, reuseKafkaContainer, reuseRegistry] = await Promise.all([
    !env.DATABASE_URL &&
      !!previous?.pids.postgres &&
      isAlive(previous.pids.postgres) &&
      probe(() => postgresReachable(previous.databaseUrl)),
    !env.KAFKA_BROKERS &&
      !!previous?.pids.kafka &&
      isAlive(previous.pids.kafka) &&
      probe(() => kafkaReachable(previous.brokers, PLAINTEXT_SECURITY)),
    !env.KAFKA_BROKERS &&
      !!previous?.kafkaContainer &&
      probe(() => kafkaReachable(previous.brokers, PLAINTEXT_SECURITY)),
    !env.SCHEMA_REGISTRY_URL &&
      !!previous?.pids.registry &&
      isAlive(previous.pids.registry) &&
      probe(() => registryReachable(previous.registryUrl, NO_REGISTRY_AUTH)),
  ]);
  const startPostgresHere = !env.DATABASE_URL && !reusePostgres;
  // A server left running from this stack's data folder (its state file lost) is taken over by startPostgres.
  const ownPostgres = isAlive(postgresPid(stackPaths.data('postgres')));
  const startKafkaHere = !env.KAFKA_BROKERS && !reuseKafka && !reuseKafkaContainer;
  const startRegistryHere = !env.SCHEMA_REGISTRY_URL && !reuseRegistry;
  // The stack's own registry still holds its port but does not answer: PostgreSQL, where it keeps its schemas, was
  // restarted under it. It is started again; before, its own port refused the new one ("taken by pid …", its pid).
  const staleRegistry = previous?.pids.registry;
  if (startRegistryHere && staleRegistry && portHolder(env.EAI_REGISTRY_PORT)?.pid === staleRegistry) {
    progress(`the schema registry (pid ${staleRegistry}) does not answer: restarting it`);
    await stopProcess(staleRegistry);
  }
  if (startPostgresHere)
    checkPostgresCanReach(stackPaths.data('postgres'), process.getuid?.() === 0, await postgresBinDir());
  await checkPorts([
    ...(startPostgresHere && !ownPostgres
      ? [{ port: env.EAI_POSTGRES_PORT, part: 'postgres', variable: 'EAI_POSTGRES_PORT' }]
      : []),
    ...(startKafkaHere
      ? [
          { port: env.EAI_KAFKA_PORT, part: 'kafka', variable: 'EAI_KAFKA_PORT' },
          {
            port: env.EAI_KAFKA_CONTROLLER_PORT,
            part: 'kafka controller',
            variable: 'EAI_KAFKA_CONTROLLER_PORT',
          },
        ]
      : []),
    ...(startRegistryHere
      ? [
          { port: env.EAI_REGISTRY_PORT, part: 'registry', variable: 'EAI_REGISTRY_PORT' },
          {
            port: env.EAI_REGISTRY_MANAGEMENT_PORT,
            part: 'registry management',
            variable: 'EAI_REGISTRY_MANAGEMENT_PORT',
          },
        ]
      : []),
  ]);

  let databaseUrl = env.DATABASE_URL;
  let postgresPort = env.EAI_POSTGRES_PORT;
  if (databaseUrl) {
    postgresPort = Number(new URL(databaseUrl).port || 5432);
  } else if (reusePostgres && previous) {
    databaseUrl = previous.databaseUrl;
    pids.postgres = previous.pids.postgres;
  } else {
    progress(`starting PostgreSQL on 127.0.0.1:${postgresPort}`);
    const started = await startPostgres(postgresPort);
    databaseUrl = started.url;
    postgresPassword = started.password;
    pids.postgres = started.pid;
  }

  let kafkaContainer: string | undefined;
  const kafka = (async () => {
    if (env.KAFKA_BROKERS) return env.KAFKA_BROKERS;
    if (reuseKafka && previous) {
      pids.kafka = previous.pids.kafka;
      return previous.brokers;
    }
    if (reuseKafkaContainer && previous) {
      kafkaContainer = previous.kafkaContainer;
      return previous.brokers;
    }
    if (chooseKafkaProvider(env.EAI_KAFKA_PROVIDER, await detectKafkaProviders()) === 'docker') {
      progress(`starting Kafka in Docker (apache/kafka) on 127.0.0.1:${env.EAI_KAFKA_PORT}`);
      const started = await startKafkaContainer(env.EAI_KAFKA_PORT);
      kafkaContainer = started.containerId;
      return started.brokers;
    }
    progress(
      `starting Kafka on 127.0.0.1:${env.EAI_KAFKA_PORT} (first run downloads its jars from Maven Central)`,
    );
    const started = await startKafka({
      broker: env.EAI_KAFKA_PORT,
      controller: env.EAI_KAFKA_CONTROLLER_PORT,
    });
    pids.kafka = started.pid;
    return started.brokers;
  })();

  const registry = (async () => {
    if (env.SCHEMA_REGISTRY_URL) return env.SCHEMA_REGISTRY_URL;
    if (reuseRegistry && previous) {
      pids.registry = previous.pids.registry;
      return previous.registryUrl;
    }
    if (!postgresPassword) {
      throw new Error(
        'the local schema registry keeps its schemas in the local PostgreSQL; with DATABASE_URL set, set SCHEMA_REGISTRY_URL too',
      );
    }
    progress(
      `starting the schema registry (Apicurio) on 127.0.0.1:${env.EAI_REGISTRY_PORT} (first run downloads it from Maven Central)`,
    );
    const started = await startRegistry(
      { http: env.EAI_REGISTRY_PORT, management: env.EAI_REGISTRY_MANAGEMENT_PORT },
      { port: postgresPort, password: postgresPassword },
    );
    pids.registry = started.pid;
    return started.url;
  })();

  let brokers: string;
  let registryUrl: string;
  try {
    [brokers, registryUrl] = await Promise.all([kafka, registry]);
  } catch (error) {
    // One part failed: stop the parts this call started, so a retry does not find their ports taken.
    await Promise.allSettled([kafka, registry]);
    await Promise.all([
      pids.kafka !== previous?.pids.kafka ? stopProcess(pids.kafka) : undefined,
      pids.registry !== previous?.pids.registry ? stopProcess(pids.registry) : undefined,
      kafkaContainer && kafkaContainer !== previous?.kafkaContainer
        ? stopKafkaContainer(kafkaContainer)
        : undefined,
    ]);
    if (pids.postgres && pids.postgres !== previous?.pids.postgres) await stopPostgres();
    throw error;
  }
  const state: StackState = {
    brokers,
    registryUrl,
    databaseUrl,
    pids,
    kafkaContainer,
    postgresPassword,
    startedAt: new Date().toISOString(),
  };
  // Every part given (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL) and no local stack before: nothing to keep,
  // and a production hub's folder may well be read-only (a container's image, run as another user).
  if (!(env.KAFKA_BROKERS && env.SCHEMA_REGISTRY_URL && env.DATABASE_URL && !previous))
    writeState(localState(state, previous, env));
  return state;
}

/**
 * What the state file keeps: the local stack. A part the environment points elsewhere keeps what the file said
 * of it, so a run against external endpoints (tests, `eai up` with KAFKA_BROKERS) never loses track of a local
 * part that is still running, which `stack down` would then leave behind holding its port.
 */
export function localState(
  current: StackState,
  previous: StackState | undefined,
  env: Pick<StackEnv, 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'DATABASE_URL'>,
): StackState {
  const kafkaExternal = !!env.KAFKA_BROKERS;
  const registryExternal = !!env.SCHEMA_REGISTRY_URL;
  const databaseExternal = !!env.DATABASE_URL;
  const keep = <T>(external: boolean, now: T, before: T | undefined): T | undefined =>
    external ? before : now;
  return {
    brokers: (kafkaExternal ? previous?.brokers : undefined) ?? current.brokers,
    registryUrl: (registryExternal ? previous?.registryUrl : undefined) ?? current.registryUrl,
    databaseUrl: (databaseExternal ? previous?.databaseUrl : undefined) ?? current.databaseUrl,
    pids: {
      kafka: keep(kafkaExternal, current.pids.kafka, previous?.pids.kafka),
      registry: keep(registryExternal, current.pids.registry, previous?.pids.registry),
      postgres: keep(databaseExternal, current.pids.postgres, previous?.pids.postgres),
    },
    kafkaContainer: keep(kafkaExternal, current.kafkaContainer, previous?.kafkaContainer),
    postgresPassword: keep(databaseExternal, current.postgresPassword, previous?.postgresPassword),
    startedAt:
      (kafkaExternal && registryExternal && databaseExternal ? previous?.startedAt : undefined) ??
      current.startedAt,
  };
}

/** Stops what this stack started; `purge` also removes the data folders (the download cache stays). */
export async function stackDown(options: { purge?: boolean } = {}): Promise<void> {
  const state = readState();
  if (state) {
    await Promise.all([
      stopProcess(state.pids.registry),
      stopProcess(state.pids.kafka),
      state.kafkaContainer ? stopKafkaContainer(state.kafkaContainer) : undefined,
    ]);
    if (state.pids.postgres) await stopPostgres();
  }
  if (options.purge) {
    rmSync(stackPaths.data(), { recursive: true, force: true });
    rmSync(stackPaths.logs(), { recursive: true, force: true });
    rmSync(stackPaths.stateFile(), { force: true });
  }
}

/** Where the bus and database are, without probing: environment variables first, then the local stack's state. */
export function resolveEndpoints(): { brokers: string; registryUrl: string; databaseUrl: string } {
  const env = readStackEnv();
  const state = readState();
  return {
    brokers: env.KAFKA_BROKERS ?? state?.brokers ?? `127.0.0.1:${env.EAI_KAFKA_PORT}`,
    registryUrl:
      env.SCHEMA_REGISTRY_URL ??
      state?.registryUrl ??
      `http://127.0.0.1:${env.EAI_REGISTRY_PORT}/apis/ccompat/v7`,
    databaseUrl: env.DATABASE_URL ?? state?.databaseUrl ?? '',
  };
}
