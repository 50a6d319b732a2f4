import { join } from 'node:path';
import { registryReachable } from '../bus/probes.ts';
import { findJava } from './java.ts';
import { fetchArchive } from './maven.ts';
import { ensureDir, stackPaths } from './paths.ts';
import { isAlive, readyOrStopped, spawnDaemon, waitUntil } from './processes.ts';

/**
 * The local schema registry is a real third-party one: Apicurio Registry 3.3.3 from Maven Central (it needs
 * Java 21+), spoken to only through its Confluent-compatible API, with its schemas in the stack's PostgreSQL.
 */
export const APICURIO_VERSION = '3.3.3';

export interface RegistryPorts {
  http: number;
  management: number;
}

export async function startRegistry(
  ports: RegistryPorts,
  database: { port: number; password: string },
): Promise<{ pid: number; url: string }> {
  const dist = await fetchArchive(
    `apicurio-${APICURIO_VERSION}`,
    `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`,
  );
  const java = findJava(21);
  const settings: Record<string, string> = {
    'quarkus.http.host': '127.0.0.1',
    'quarkus.http.port': String(ports.http),
    'quarkus.management.host': '127.0.0.1',
    'quarkus.management.port': String(ports.management),
    // Confluent's default; Apicurio's own default is NONE.
    'apicurio.rules.global.compatibility': 'BACKWARD',
    'apicurio.rest.deletion.artifact-version.enabled': 'true',
    'apicurio.rest.deletion.artifact.enabled': 'true',
    'apicurio.storage.kind': 'sql',
    'apicurio.storage.sql.kind': 'postgresql',
    'apicurio.datasource.url': `jdbc:postgresql://127.0.0.1:${database.port}/registry`,
    'apicurio.datasource.username': 'postgres',
    // A connection is checked as the pool hands it out: after PostgreSQL restarted (a crash, `eai stack up` starting
    // it again, the machine waking) the pool held 20 dead ones, and the registry answered 500 ("terminating connection
    // due to administrator command") until a request had failed on each. A local registry needs few connections.
    'quarkus.datasource.postgresql.jdbc.validate-on-borrow': 'true',
    'apicurio.datasource.jdbc.initial-size': '2',
    'apicurio.datasource.jdbc.min-size': '2',
    'apicurio.datasource.jdbc.max-size': '20',
    'quarkus.log.level': 'WARN',
    'quarkus.log.console.level': 'WARN',
  };
  const args = [
    '-Xmx384m',
    ...Object.entries(settings).map(([k, v]) => `-D${k}=${v}`),
    '-jar',
    join(dist, 'quarkus-run.jar'),
  ];
  // The password goes by environment, not the command line, so `ps` does not show it.
  const env = { ...process.env, APICURIO_DATASOURCE_PASSWORD: database.password };
  const pid = spawnDaemon(java, args, {
    logFile: join(ensureDir(stackPaths.logs()), 'registry.log'),
    cwd: dist,
    env,
  });
  const url = `http://127.0.0.1:${ports.http}/apis/ccompat/v7`;
  await readyOrStopped(pid, async () => {
    const options = { timeoutMs: 90_000, alive: () => isAlive(pid) };
    await waitUntil(
      'schema registry',
      () => registryReady(`http://127.0.0.1:${ports.management}/health/ready`),
      options,
    );
    // Health says up before the Confluent API has served its first request (which warms its storage layer);
    // ready means that API answers, as for the broker's group coordinator.
    await waitUntil('schema registry API', () => registryReachable(url), options);
  });
  return { pid, url };
}

async function registryReady(healthUrl: string): Promise<boolean> {
  const response = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
  return response.ok;
}
